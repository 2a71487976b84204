import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { YAMLError } from 'yaml';
import { loadCalendarOverride, loadDirective, loadRegistry, MAX_INPUT_BYTES } from '../../src/files/load';
import { InvalidInputError } from '../../src/domain/errors';
import { directiveSchema } from '../../src/domain/directive';
import { registrySchema } from '../../src/domain/registry';
import { keysAt, nearestKey } from '../../src/domain/schema-messages';
import { yamlErrorMessage } from '../../src/domain/yaml-errors';
import { toWindows1258 } from './windows-1258';

/** Careless files, as they arrive at an Office: every one refused with file:line:col, in Vietnamese. */
const dir = mkdtempSync(join(tmpdir(), 'chidao-input-errors-'));
const write = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const seed = readFileSync('examples/4432-TCTHADS-VP.yaml', 'utf8');

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e;
    throw e;
  }
  throw new Error('expected an InvalidInputError');
}

/** Words of the YAML parser's English messages: none may reach a clerk. */
const ENGLISH =
  /\b(must|Missing|Unexpected|allowed|indented|collection|sequence|mapping|Alias|Unresolved|Excessive|Tabs|Plain value|Map keys|Implicit|Nested|Source contains)\b/;

/** Line and column (1-based) of the first non-ASCII character: where a legacy encoding first shows. */
function firstNonAscii(text: string): { line: number; column: number } {
  const i = [...text].findIndex((c) => c.charCodeAt(0) > 0x7f);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('encodings', () => {
  it('a Windows-1258 directive is refused at its first bad byte, asking for UTF-8', () => {
    const bytes = toWindows1258(seed);
    // Decoded back as Windows-1258 it is the seed: the file is what an old office PC writes.
    expect(new TextDecoder('windows-1258').decode(bytes).normalize('NFC')).toBe(seed);
    const p = write('cp1258.yaml', bytes);
    const e = errorOf(() => loadDirective(p));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: p, path: '', ...firstNonAscii(seed) });
    expect(e.issues[0]!.message).toMatch(
      /^tệp không phải UTF-8: byte 0x[0-9A-F]{2} không hợp lệ \(tệp có thể được lưu bằng Windows-1258/,
    );
    expect(e.issues[0]!.message).toContain('lưu lại với bảng mã UTF-8');
    expect(
      e.message.startsWith(`${p}:${firstNonAscii(seed).line}:${firstNonAscii(seed).column}: tệp không phải UTF-8`),
    ).toBe(true);
  });

  it('a bad byte deep in a registry is located at its line and column, counted in characters', () => {
    const reg = readFileSync('examples/units-thads-2023.yaml', 'utf8');
    const lines = reg.split('\n');
    const n = lines.findIndex((l) => l.includes('Cục trưởng Cục THADS Hà Giang'));
    expect(n).toBeGreaterThan(100);
    const col = lines[n]!.indexOf('Hà Giang') + 1; // "Cục" before it has a multi-byte letter: columns are characters
    const bytes = Buffer.concat([
      Buffer.from(lines.slice(0, n).join('\n') + '\n' + lines[n]!.slice(0, col - 1)),
      Buffer.from([0xc0]),
      Buffer.from(lines[n]!.slice(col - 1) + '\n'),
    ]);
    const e = errorOf(() => loadRegistry(write('bad-byte.yaml', bytes)));
    expect(e.issues.map((i) => [i.line, i.column])).toEqual([[n + 1, col]]);
    expect(e.issues[0]!.message).toMatch(/^tệp không phải UTF-8: byte 0xC0 không hợp lệ/);
  });

  it('a UTF-8 byte-order mark is dropped and the file reads as without it', () => {
    const p = write('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(seed)]));
    expect(loadDirective(p).directive).toEqual(loadDirective('examples/4432-TCTHADS-VP.yaml').directive);
  });

  it.each([
    [
      'UTF-16 LE with its mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(seed, 'utf16le')]),
      /^tệp được lưu bằng bảng mã UTF-16 \("Unicode"\), không phải UTF-8\. /,
      1,
      1,
    ],
    [
      'UTF-16 BE with its mark',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(seed, 'utf16le').swap16()]),
      /^tệp được lưu bằng bảng mã UTF-16/,
      1,
      1,
    ],
    [
      'UTF-16 LE without a mark',
      Buffer.from(seed, 'utf16le'),
      /^tệp có byte 0 \(NUL\): đây không phải tệp văn bản UTF-8 \(có thể là UTF-16 không có dấu BOM/,
      1,
      2,
    ],
  ])('%s is refused with a clear message', (_name, bytes, message, line, column) => {
    const e = errorOf(() => loadDirective(write('utf16.yaml', bytes)));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ line, column, message: expect.stringMatching(message) });
    expect(e.issues[0]!.message).toContain('lưu lại với bảng mã UTF-8');
  });
});

describe('size limits', () => {
  it('a directive over 1 MiB is refused before it is parsed, naming the limit', () => {
    expect(MAX_INPUT_BYTES.directive).toBe(1024 * 1024);
    const p = write('big.yaml', seed + '#'.repeat(MAX_INPUT_BYTES.directive - Buffer.byteLength(seed) + 1));
    const e = errorOf(() => loadDirective(p));
    expect(e.issues).toEqual([{ file: p, path: '', message: 'tệp quá lớn (1,1 MiB); tệp công văn tối đa 1 MiB' }]);
  });

  it('a directive exactly at the limit is read', () => {
    const p = write('at-limit.yaml', seed + '#'.repeat(MAX_INPUT_BYTES.directive - Buffer.byteLength(seed)));
    expect(loadDirective(p).directive.number).toBe(4432);
  });

  it('an endless device is read no further than the limit', () => {
    const started = Date.now();
    const e = errorOf(() => loadDirective('/dev/zero'));
    expect(e.issues[0]!.message).toBe('tệp quá lớn (hơn 1 MiB); tệp công văn tối đa 1 MiB');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a calendar over its limit is refused; a registry may be 50 MiB', () => {
    expect(MAX_INPUT_BYTES.registry).toBe(50 * 1024 * 1024);
    const p = write('cal-big.yaml', '"2026": { daysOff: [] }\n' + '#'.repeat(2 * 1024 * 1024));
    expect(errorOf(() => loadCalendarOverride(p)).issues[0]!.message).toBe(
      'tệp quá lớn (2,1 MiB); tệp lịch tối đa 1 MiB',
    );
  });

  it('a missing file and a folder are named in Vietnamese', () => {
    expect(errorOf(() => loadDirective(join(dir, 'khong-co.yaml'))).message).toBe(
      `${join(dir, 'khong-co.yaml')}: không đọc được tệp: không có tệp này`,
    );
    expect(errorOf(() => loadRegistry(dir)).message).toBe(`${dir}: không đọc được tệp: đây là thư mục, không phải tệp`);
  });
});

describe('YAML syntax errors read in Vietnamese, at their line and column', () => {
  it.each([
    [
      'a flow sequence left open',
      'number: 4432\nrecipients: [a, b\nsymbol: X\n',
      3,
      1,
      'YAML không hợp lệ: ngoặc "[" chưa được đóng bằng "]", hoặc dòng tiếp theo thụt lề chưa đủ',
    ],
    [
      'a quote left open',
      'number: 4432\nsubject: "V/v thử\nplace: Hà Nội\n',
      4,
      1,
      'YAML không hợp lệ: thiếu dấu ngoặc kép đóng (")',
    ],
    [
      'a duplicate key',
      'number: 4432\nplace: Hà Nội\nplace: Huế\n',
      3,
      1,
      'YAML không hợp lệ: khóa "place" bị lặp: mỗi khóa chỉ được ghi một lần trong cùng một mục',
    ],
    [
      'uneven indentation',
      'issuer:\n  name: Tổng cục\n code: TCTHADS\n',
      3,
      1,
      'YAML không hợp lệ: thụt lề không đều: các mục cùng cấp phải bắt đầu ở cùng một cột',
    ],
    [
      'two colons on a line',
      'subject: V/v: thử nghiệm: một\n',
      1,
      10,
      'YAML không hợp lệ: hai dấu ":" trên cùng một dòng (kiểu "a: b: c"), hoặc dòng sau thụt lề sai; nếu giá trị chứa ": ", hãy đặt nó trong ngoặc kép',
    ],
    [
      'a tab as indentation',
      'issuer:\n\tname: Tổng cục\n',
      2,
      1,
      'YAML không hợp lệ: không được thụt lề bằng phím Tab; hãy dùng dấu cách',
    ],
    [
      'two documents',
      'number: 1\n---\nnumber: 2\n',
      2,
      1,
      'YAML không hợp lệ: tệp chứa nhiều văn bản YAML (ngăn cách bởi "---"); mỗi tệp chỉ được chứa một',
    ],
    [
      'a value starting with @',
      'contact: { email: @vp }\n',
      1,
      19,
      'YAML không hợp lệ: giá trị không được bắt đầu bằng ký tự "@"; hãy đặt giá trị trong ngoặc kép',
    ],
    [
      'a missing comma in a flow map',
      'signer: { title: Phó Tổng cục trưởng name: Nguyễn Văn Sơn }\n',
      1,
      18,
      'YAML không hợp lệ: trong ngoặc [ ] hoặc { } các mục phải cách nhau bằng dấu ","; nếu giá trị chứa ", " hoặc ": ", hãy đặt nó trong ngoặc kép',
    ],
    [
      'a bad escape',
      'subject: "V/v \\q"\n',
      1,
      15,
      'YAML không hợp lệ: chuỗi trong ngoặc kép có chuỗi thoát không hợp lệ "\\q"; viết "\\\\" cho dấu "\\", hoặc dùng ngoặc đơn \'…\'',
    ],
    [
      'a list item among keys',
      '- a\nnumber: 1\n',
      2,
      1,
      'YAML không hợp lệ: nội dung "number" không đúng chỗ: có thể thụt lề sai, thiếu dấu "-" hoặc ":", hoặc giá trị cần đặt trong ngoặc kép',
    ],
    ['a double comma', 'addressees: [a,, b]\n', 1, 16, 'YAML không hợp lệ: dấu "," thừa hoặc không đúng chỗ'],
    ['a single quote left open', "place: 'Hà Nội\n", 2, 1, "YAML không hợp lệ: thiếu dấu nháy đơn đóng (')"],
    ['two anchors', 'a: &x &y 1\n', 1, 7, 'YAML không hợp lệ: một mục chỉ được có một neo (&…)'],
  ])('%s', (_name, text, line, column, message) => {
    const p = write('syntax.yaml', text);
    const e = errorOf(() => loadDirective(p));
    expect(e.issues).toEqual([{ file: p, path: '', line, column, message }]);
    expect(e.message).not.toMatch(ENGLISH);
  });

  it('nesting deep enough to overflow the parser is refused as such, not as a crash', () => {
    const p = write('deep.yaml', `number: 4432\naddressees: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    const e = errorOf(() => loadDirective(p));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({
      file: p,
      line: 2,
      message: 'YAML không hợp lệ: tệp lồng quá nhiều cấp, không đọc được',
    });
  });

  it('every error code of the yaml package has its own Vietnamese sentence', () => {
    const codes: YAMLError['code'][] = [
      'ALIAS_PROPS',
      'BAD_ALIAS',
      'BAD_DIRECTIVE',
      'BAD_DQ_ESCAPE',
      'BAD_INDENT',
      'BAD_PROP_ORDER',
      'BAD_SCALAR_START',
      'BLOCK_AS_IMPLICIT_KEY',
      'BLOCK_IN_FLOW',
      'DUPLICATE_KEY',
      'IMPOSSIBLE',
      'KEY_OVER_1024_CHARS',
      'MISSING_CHAR',
      'MULTILINE_IMPLICIT_KEY',
      'MULTIPLE_ANCHORS',
      'MULTIPLE_DOCS',
      'MULTIPLE_TAGS',
      'NON_STRING_KEY',
      'RESOURCE_EXHAUSTION',
      'TAB_AS_INDENT',
      'TAG_RESOLVE_FAILED',
      'UNEXPECTED_TOKEN',
      'BAD_COLLECTION_TYPE',
    ];
    const said = codes.map((code) =>
      yamlErrorMessage({ code, message: 'Something went wrong', pos: [0, 1] }, 'x: 1\n'),
    );
    // The generic sentence (naming the code) is only for codes a newer yaml may add.
    expect(said.filter((s) => s.includes('cú pháp không đúng'))).toEqual([]);
    expect(new Set(said).size).toBe(codes.length);
    for (const s of said) {
      expect(s).toMatch(/^YAML không hợp lệ: /);
      expect(s).not.toMatch(ENGLISH);
    }
  });
});

describe('aliases', () => {
  const BOMB = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
    'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
  ].join('\n');

  it('an alias bomb is refused at the alias that crosses the limit, at once', () => {
    const p = write('bomb.yaml', BOMB);
    const started = Date.now();
    const e = errorOf(() => loadRegistry(p));
    expect(Date.now() - started).toBeLessThan(2_000);
    // a…f add 672,588 nodes through their aliases; g's first *f (597,871 more) is the one past a million.
    expect(e.issues).toEqual([
      {
        file: p,
        path: '',
        line: 7,
        column: 8,
        message:
          'bí danh "*f" làm tệp phình ra quá 1.000.000 mục (kiểu "bom bí danh"); không đọc tiếp. Hãy viết thẳng nội dung thay cho bí danh (&…, *…)',
      },
    ]);
  });

  it('an alias with no anchor above it is located and named', () => {
    const p = write('no-anchor.yaml', 'number: 4432\nsigner: *nguoi-ky\n');
    expect(errorOf(() => loadDirective(p)).issues).toEqual([
      {
        file: p,
        path: '',
        line: 2,
        column: 9,
        message: 'bí danh "*nguoi-ky" chưa có neo: phải có "&nguoi-ky" ở phía trên nó',
      },
    ]);
  });

  it("one leader named by alias for 300 units loads (more than yaml's default of 100 aliases)", () => {
    const units = Array.from(
      { length: 300 },
      (_, i) =>
        `  - { code: U${i}, name: Đơn vị ${i}, emails: [u${i}@thads.example], leader: ${i === 0 ? '&ptct { name: Phó Tổng cục trưởng, title: Phó Tổng cục trưởng }' : '*ptct'} }`,
    );
    const p = write(
      'aliases.yaml',
      ['id: alias', 'name: Danh mục', 'effective: "2023-01-01"', 'units:', ...units].join('\n'),
    );
    const registry = loadRegistry(p);
    expect(registry.units).toHaveLength(300);
    expect(registry.units[299]!.leader).toEqual({ name: 'Phó Tổng cục trưởng', title: 'Phó Tổng cục trưởng' });
  });
});

describe('unknown keys', () => {
  it.each([
    ['urgnecy', 'urgency', directiveSchema, []],
    ['Urgency', 'urgency', directiveSchema, []],
    ['legalBasis', 'legalBases', directiveSchema, []],
    ['leadr', 'leader', registrySchema, ['units', 0]],
    ['emial', 'email', registrySchema, ['units', 3, 'head']],
    ['eamils', 'emails', registrySchema, ['units', 3]],
    ['reminder', 'reminders', directiveSchema, ['policy']],
    ['evrey', 'every', directiveSchema, ['policy', 'reports', 0, 'recurrence']],
    ['ten', undefined, registrySchema, ['units', 0]],
    ['ghiChu', undefined, directiveSchema, []],
  ] as const)('"%s" is taken for "%s"', (key, meant, schema, path) => {
    expect(nearestKey(key, keysAt(schema, path))).toBe(meant);
  });

  it('the keys allowed are found through defaults, arrays and refinements', () => {
    expect(keysAt(registrySchema, ['units', 7, 'head']).sort()).toEqual(['email', 'name', 'title']);
    expect(keysAt(directiveSchema, ['policy', 'escalation', 2]).sort()).toEqual(['after', 'notify']);
    expect(keysAt(directiveSchema, ['recipients', 0]).sort()).toEqual(['group', 'purpose', 'role', 'unit']);
  });

  it('a calendar file is strict too, and its dates are checked before use', () => {
    const p = write(
      'calendar.yaml',
      '"2026": { daysOff: ["2026-01-01..2026-01-04", "2026-02-30"], workingSaturday: ["2026-01-10"] }\n',
    );
    expect(errorOf(() => loadCalendarOverride(p)).issues).toEqual([
      {
        file: p,
        path: '2026.daysOff[1]',
        line: 1,
        column: 47,
        message: 'ngày phải có dạng YYYY-MM-DD và có thật, hoặc khoảng "YYYY-MM-DD..YYYY-MM-DD"',
      },
      {
        file: p,
        path: '2026.workingSaturday',
        line: 1,
        column: 62,
        message: 'khóa không hợp lệ "workingSaturday" — có phải "workingSaturdays"?',
      },
    ]);
  });

  it('an empty file and a file that is not a mapping say so', () => {
    const empty = write('empty.yaml', '# chỉ có chú thích\n');
    expect(errorOf(() => loadDirective(empty)).message).toBe(`${empty}:1:1: tệp trống: không có nội dung YAML nào`);
    const scalar = write('scalar.yaml', 'công văn 4432\n');
    expect(errorOf(() => loadDirective(scalar)).message).toBe(
      `${scalar}:1:1: cần các mục "khóa: giá trị", không phải chữ "công văn 4432"`,
    );
    const wrong = write('wrong-type.yaml', seed.replace('number: 4432', 'number: "bốn nghìn"'));
    expect(errorOf(() => loadDirective(wrong)).message).toBe(
      `${wrong}:4:9: number: cần số, không phải chữ "bốn nghìn"`,
    );
  });

  it.each([
    ['number: 4432', 'number: 4432.5', 'number: cần số nguyên, không phải số 4432.5'],
    ['number: 4432', 'number: 0', 'number: cần số lớn hơn 0'],
    ['place: Hà Nội', 'place: ""', 'place: không được để trống'],
    ['addressees:\n', 'addressees: Như trên\nx:\n', 'addressees: cần danh sách, không phải chữ "Như trên"'],
    [
      '      due: 15 ngày làm việc',
      '      due: 15 ngày làm việc\n      recurrence: { every: 6 tháng, count: 1 }',
      'policy.reports[0].recurrence.count: cần số từ 2 trở lên',
    ],
  ])('a wrong value (%s → %s) is said in Vietnamese', (from, to, said) => {
    expect(seed).toContain(from);
    const e = errorOf(() => loadDirective(write('wrong-value.yaml', seed.replace(from, to))));
    expect(e.issues.map((i) => `${i.path}: ${i.message}`)[0]).toBe(said);
    expect(e.issues.map((i) => i.message).join('\n')).not.toMatch(/\b(string|number|array|object|undefined)\b|>=|<=/);
  });

  it('a registry unit with no email keeps its own message', () => {
    const reg = readFileSync('examples/units-thads-2023.yaml', 'utf8');
    const e = errorOf(() =>
      loadRegistry(write('no-email.yaml', reg.replace('emails: [vp@thads.example]', 'emails: []'))),
    );
    expect(e.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'units[0].emails: đơn vị cần ít nhất một địa chỉ email',
    ]);
  });
});
