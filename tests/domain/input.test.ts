import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDirective, loadPlan, loadRegistry } from '../../src/files/load';
import { InvalidInputError, SecretDocumentError } from '../../src/domain/errors';
import { WorkingCalendar } from '../../src/domain/calendar';
import { roleFromPurpose } from '../../src/domain/roles';

const dir = mkdtempSync(join(tmpdir(), 'chidao-input-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const seedDirective = readFileSync('examples/4432-TCTHADS-VP.yaml', 'utf8');
const seedRegistry = 'examples/units-thads-2023.yaml';
const opts = { now: Date.parse('2026-11-24T02:00:00Z'), calendar: new WorkingCalendar() };

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e;
    throw e;
  }
  throw new Error('expected an InvalidInputError');
}

describe('directive and registry files', () => {
  it('the seed directive resolves to 72 implementing units and 5 others', () => {
    const plan = loadPlan('examples/4432-TCTHADS-VP.yaml', seedRegistry, opts);
    const roles = plan.recipients.reduce<Record<string, number>>(
      (a, r) => ({ ...a, [r.role]: (a[r.role] ?? 0) + 1 }),
      {},
    );
    expect(roles).toEqual({ implement: 72, report: 3, coordinate: 1, archive: 1 });
    expect(plan.recipients.find((r) => r.code === 'TT-MLK')?.purpose).toBe('để b/c');
  });

  it('an unknown unit is named with file, line and field path, and nothing is planned', () => {
    const p = write('unknown.yaml', seedDirective.replace('unit: TT-MLK', 'unit: XYZ'));
    const e = errorOf(() => loadPlan(p, seedRegistry, opts));
    expect(e.issues).toHaveLength(1);
    expect(e.message).toMatch(
      new RegExp(`^${p.replace(/[/.]/g, '\\$&')}:\\d+:\\d+: recipients\\[3\\]\\.unit: không có đơn vị "XYZ"`),
    );
    const line =
      seedDirective
        .replace('unit: TT-MLK', 'unit: XYZ')
        .split('\n')
        .findIndex((l) => l.includes('unit: XYZ')) + 1;
    expect(e.issues[0]!.line).toBe(line);
  });

  it('an unknown group and a directive with no implementing recipient are refused', () => {
    const p = write('group.yaml', seedDirective.replace('group: cuc-thads-tinh', 'group: cuc-khong-co'));
    expect(errorOf(() => loadPlan(p, seedRegistry, opts)).message).toMatch(
      /recipients\[1\]\.group: không có nhóm "cuc-khong-co"/,
    );
    const none = seedDirective.replace(
      / {2}- group: don-vi-thuoc-tong-cuc\n {4}purpose: Như trên\n {2}- group: cuc-thads-tinh\n {4}purpose: Như trên\n/,
      '',
    );
    expect(errorOf(() => loadPlan(write('none.yaml', none), seedRegistry, opts)).message).toMatch(
      /recipients: văn bản không có đơn vị nào có vai trò thực hiện/,
    );
  });

  it('a deadline already past is refused', () => {
    const p = write('past.yaml', seedDirective.replace('due: 15 ngày làm việc', 'due: "2023-12-15"'));
    expect(errorOf(() => loadPlan(p, seedRegistry, opts)).message).toMatch(/policy\.reports\[0\]\.due: hạn đã qua/);
  });

  it('duplicate unit codes and invalid emails in a registry are each located', () => {
    const reg = readFileSync(seedRegistry, 'utf8')
      .replace('code: TCCB', 'code: VP')
      .replace('emails: [khtc@thads.example]', 'emails: [khtc-at-thads.example]');
    const e = errorOf(() => loadRegistry(write('reg.yaml', reg)));
    const text = e.message;
    expect(text).toMatch(/units\[1\]\.code: mã đơn vị "VP" trùng với units\[0\]/);
    expect(text).toMatch(/units\[2\]\.emails\[0\]: địa chỉ email không hợp lệ/);
  });

  it('broken YAML is reported at its line', () => {
    const e = errorOf(() => loadRegistry(write('broken.yaml', 'id: x\nunits:\n  - code: [A\n')));
    expect(e.issues[0]!.message).toMatch(/YAML không hợp lệ/);
    expect(e.issues[0]!.line).toBeGreaterThan(1);
  });

  it('NFD-encoded Vietnamese is normalised to NFC, so names and purposes match', () => {
    const nfd = seedDirective.normalize('NFD');
    expect(nfd).not.toBe(seedDirective);
    const plan = loadPlan(write('nfd.yaml', nfd), seedRegistry, opts);
    expect(plan.directive.subject).toBe(plan.directive.subject.normalize('NFC'));
    expect(plan.recipients.filter((r) => r.role === 'report')).toHaveLength(3);
  });

  it.each([
    ['mat', 'Mật'],
    ['toi-mat', 'Tối mật'],
    ['tuyet-mat', 'Tuyệt mật'],
  ])('a secret document (%s) is refused, naming the file and the line of its confidentiality', (value, label) => {
    const text = seedDirective.replace('confidentiality: thuong', `confidentiality: ${value}`);
    const p = write(`mat-${value}.yaml`, text);
    const line = text.split('\n').indexOf(`confidentiality: ${value}`) + 1;
    let caught: unknown;
    try {
      loadPlan(p, seedRegistry, opts);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SecretDocumentError);
    const e = caught as SecretDocumentError;
    expect(e.issue).toEqual({ file: p, path: 'confidentiality', line, column: 18, message: expect.any(String) });
    expect(e.message).toBe(
      `${p}:${line}:18: confidentiality: văn bản 4432/TCTHADS-VP có độ mật "${label}": văn bản mật không được gửi qua thư điện tử thông thường (Luật Bảo vệ bí mật nhà nước). Hãy chuyển bằng đường bảo mật.`,
    );
  });

  it('a misspelt key in a directive is an error at the key, with the key it meant', () => {
    const text = seedDirective.replace('urgency: thuong', 'urgnecy: khan');
    const p = write('urgnecy.yaml', text);
    const e = errorOf(() => loadPlan(p, seedRegistry, opts));
    const line = text.split('\n').indexOf('urgnecy: khan') + 1;
    expect(e.issues).toEqual([
      { file: p, path: 'urgnecy', line, column: 1, message: 'khóa không hợp lệ "urgnecy" — có phải "urgency"?' },
    ]);
    expect(e.message).toBe(`${p}:${line}:1: urgnecy: khóa không hợp lệ "urgnecy" — có phải "urgency"?`);
  });

  it('a misspelt key in a registry is an error at the key, not at its unit', () => {
    const reg = readFileSync(seedRegistry, 'utf8');
    const text = reg.replace(
      '    leader: { name: Phó Tổng cục trưởng phụ trách',
      '    leadr: { name: Phó Tổng cục trưởng phụ trách',
    );
    const p = write('leadr.yaml', text);
    const e = errorOf(() => loadRegistry(p));
    const line = text.split('\n').findIndex((l) => l.startsWith('    leadr:')) + 1;
    expect(e.issues).toEqual([
      { file: p, path: 'units[0].leadr', line, column: 5, message: 'khóa không hợp lệ "leadr" — có phải "leader"?' },
    ]);
  });

  it('misspelt keys in a policy, a step and a person are each located at the key', () => {
    const text = seedDirective
      .replace('  reminders: [', '  reminder: [')
      .replace(
        '    - after: 3 ngày làm việc\n      notify: leader',
        '    - after: 3 ngày làm việc\n      notfy: leader',
      );
    const p = write('policy-typos.yaml', text);
    const lines = text.split('\n');
    const e = errorOf(() => loadPlan(p, seedRegistry, opts));
    expect(e.issues.map((i) => [i.path, i.line, i.column, i.message])).toEqual([
      [
        'policy.reminder',
        lines.indexOf('  reminder: [3 ngày làm việc, 1 ngày làm việc, 0 ngày]') + 1,
        3,
        'khóa không hợp lệ "reminder" — có phải "reminders"?',
      ],
      ['policy.escalation[1].notify', lines.indexOf('    - after: 3 ngày làm việc') + 1, 7, 'thiếu trường bắt buộc'],
      [
        'policy.escalation[1].notfy',
        lines.indexOf('      notfy: leader') + 1,
        7,
        'khóa không hợp lệ "notfy" — có phải "notify"?',
      ],
    ]);
  });

  it('a key far from any allowed one gets no guess; a small object lists the keys it allows', () => {
    const text = seedDirective
      .replace('place: Hà Nội', 'place: Hà Nội\nghiChu: x')
      .replace('  phone: "024.62739596"', '  phone: "024.62739596"\n  fax: "024.1"');
    const e = errorOf(() => loadPlan(write('far.yaml', text), seedRegistry, opts));
    expect(e.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'ghiChu: khóa không hợp lệ "ghiChu"',
      'contact.fax: khóa không hợp lệ "fax"; ở đây chỉ dùng: unit, phone, email',
    ]);
  });

  it("the example registry's unquoted comma in a flow map would have been caught at the stray key", () => {
    const reg = readFileSync(seedRegistry, 'utf8');
    const fixed =
      '    head: { name: "Thủ trưởng Vụ Giải quyết khiếu nại, tố cáo", title: Thủ trưởng, email: thutruong.gqkntc@thads.example }';
    const broken =
      '    head: { name: Thủ trưởng Vụ Giải quyết khiếu nại, tố cáo, title: Thủ trưởng, email: thutruong.gqkntc@thads.example }';
    expect(reg).toContain(fixed);
    const p = write('broken-head.yaml', reg.replace(fixed, broken));
    const e = errorOf(() => loadRegistry(p));
    const line = reg.split('\n').indexOf(fixed) + 1;
    expect(e.issues).toEqual([
      {
        file: p,
        path: 'units[6].head.tố cáo',
        line,
        column: broken.indexOf('tố cáo') + 1,
        message: 'khóa không hợp lệ "tố cáo"; ở đây chỉ dùng: name, title, email',
      },
    ]);
  });

  it('both example files load with strict schemas, and every head keeps its whole name', () => {
    const registry = loadRegistry(seedRegistry);
    expect(registry.units).toHaveLength(78);
    expect(registry.units.find((u) => u.code === 'GQKNTC')?.head?.name).toBe(
      'Thủ trưởng Vụ Giải quyết khiếu nại, tố cáo',
    );
    expect(registry.units.find((u) => u.code === 'TTDL')?.head?.name).toBe(
      'Thủ trưởng Trung tâm Thống kê, quản lý dữ liệu và ứng dụng công nghệ thông tin',
    );
    // A name that had lost its tail to a stray key would be shorter than its unit's own name.
    for (const u of registry.units)
      if (u.head?.name.startsWith('Thủ trưởng ')) expect(u.head.name).toBe(`Thủ trưởng ${u.name}`);
    const { directive } = loadDirective('examples/4432-TCTHADS-VP.yaml');
    expect(directive.recipients).toHaveLength(7);
  });

  it.each([
    ['để b/c', 'report'],
    ['(để b/c)', 'report'],
    ['để p/h', 'coordinate'],
    ['Để biết', 'inform'],
    ['Lưu: VT, VP', 'archive'],
    ['Như trên', 'implement'],
    ['cho vui', undefined],
  ])('purpose "%s" maps to role %s', (purpose, role) => {
    expect(roleFromPurpose(purpose)).toBe(role);
  });
});
