import { LineCounter, parseDocument, isAlias, isCollection, isMap, isNode, isPair, isScalar, type Document, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { InvalidInputError, formatPath, type InputIssue } from './errors';

/** Every string NFC: Vietnamese typed on some systems arrives decomposed (NFD) and would not match. */
export function normalizeStrings<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map(normalizeStrings) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.normalize('NFC'), normalizeStrings(v)])) as T;
  }
  return value;
}

// --- bytes to text -------------------------------------------------------------------------------

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Line (1-based) and column (1-based, in characters as the YAML parser counts them) of a byte offset. */
function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  // The bytes before the offset on its line are valid UTF-8 (the offset is the first bad one).
  return { line, column: new TextDecoder().decode(bytes.subarray(lineStart, offset)).length + 1 };
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (!n) return i;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const c1 = b[i + 1];
    if (c1 === undefined || c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

const SAVE_AS_UTF8 = 'Hãy mở tệp bằng trình soạn thảo và lưu lại với bảng mã UTF-8.';

/**
 * The text of an input file, refusing what is not UTF-8 instead of reading mojibake: files from old
 * office PCs are often Windows-1258 (or TCVN3/VNI), whose Vietnamese letters are invalid UTF-8. A UTF-8
 * byte-order mark (Notepad writes one) is dropped; UTF-16 is refused by its mark, or by its zero bytes.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  const refuse = (message: string, at?: number): never => {
    throw new InvalidInputError([{ file, path: '', message, ...(at === undefined ? { line: 1, column: 1 } : bytePosition(bytes, at)) }]);
  };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    refuse(`tệp được lưu bằng bảng mã UTF-16 ("Unicode"), không phải UTF-8. ${SAVE_AS_UTF8}`);
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  // Zero bytes are valid UTF-8 but never in a text file: UTF-16 without its mark has one in every ASCII letter.
  const nul = body.indexOf(0);
  if (nul !== -1)
    refuse(`tệp có byte 0 (NUL): đây không phải tệp văn bản UTF-8 (có thể là UTF-16 không có dấu BOM, hoặc tệp Word/Excel). ${SAVE_AS_UTF8}`, nul + (body === bytes ? 0 : 3));
  try {
    return utf8.decode(body);
  } catch {
    const at = firstInvalidUtf8(body) + (body === bytes ? 0 : 3);
    const hex = bytes[at]!.toString(16).toUpperCase().padStart(2, '0');
    return refuse(
      `tệp không phải UTF-8: byte 0x${hex} không hợp lệ (tệp có thể được lưu bằng Windows-1258, TCVN3 hoặc VNI trên máy cũ). ${SAVE_AS_UTF8}`,
      at,
    );
  }
}

// --- YAML syntax ------------------------------------------------------------------------------------

/**
 * The parser's error in Vietnamese. Keyed by the `yaml` package's error codes; within a code, the
 * commonest cases get their own sentence, recognised by the parser's English text.
 */
export function yamlErrorMessage(e: Pick<YAMLError, 'code' | 'message' | 'pos'>, text: string): string {
  const m = e.message;
  const q = (s: string) => `"${s}"`;
  const line = text.slice(e.pos[0]).split('\n', 1)[0]!;
  // The word the parser stopped at (its range is often a single character).
  const at = q(/^([^\s,:[\]{}#]{1,40}|\S)/.exec(line)?.[1] ?? '');
  // The parser points at the start of a duplicate key; the key runs to its ":".
  const key = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|.*?)\s*:(\s|$)/.exec(line)?.[1]?.replace(/^(["'])(.*)\1$/, '$2');
  const said = (() => {
    switch (e.code) {
      case 'ALIAS_PROPS':
        return 'bí danh (*…) không được kèm neo (&…) hay thẻ (!…)';
      case 'BAD_ALIAS':
        return /ending in :/.test(m)
          ? 'tên neo hoặc bí danh không được kết thúc bằng ":"; thêm dấu cách trước ":"'
          : 'neo (&) hoặc bí danh (*) thiếu tên';
      case 'BAD_DIRECTIVE':
        return 'chỉ thị YAML (dòng bắt đầu bằng "%") không hợp lệ';
      case 'BAD_DQ_ESCAPE':
        return `chuỗi trong ngoặc kép có chuỗi thoát không hợp lệ ${q(m.replace(/^.*sequence /, ''))}; viết "\\\\" cho dấu "\\", hoặc dùng ngoặc đơn '…'`;
      case 'BAD_INDENT':
        if (/Flow (sequence|mapping) in block collection/.test(m))
          return `ngoặc ${/sequence/.test(m) ? '"[" chưa được đóng bằng "]"' : '"{" chưa được đóng bằng "}"'}, hoặc dòng tiếp theo thụt lề chưa đủ`;
        if (/same column/.test(m)) return 'thụt lề không đều: các mục cùng cấp phải bắt đầu ở cùng một cột';
        return 'thụt lề không đúng: dòng này phải thụt vào nhiều hơn dòng cha của nó';
      case 'BAD_PROP_ORDER':
        return 'neo (&…) và thẻ (!…) phải đứng sau dấu "-", "?" hoặc ":"';
      case 'BAD_SCALAR_START':
        return `giá trị không được bắt đầu bằng ký tự ${q(m.slice(-1))}; hãy đặt giá trị trong ngoặc kép`;
      case 'BLOCK_AS_IMPLICIT_KEY':
        return /compact mappings/.test(m)
          ? 'hai dấu ":" trên cùng một dòng (kiểu "a: b: c"), hoặc dòng sau thụt lề sai; nếu giá trị chứa ": ", hãy đặt nó trong ngoặc kép'
          : 'một danh sách không thể làm khóa; có thể thiếu dấu ":" hoặc thụt lề sai';
      case 'BLOCK_IN_FLOW':
        return 'trong ngoặc [ ] hoặc { } các mục phải cách nhau bằng dấu ","; nếu giá trị chứa ", " hoặc ": ", hãy đặt nó trong ngoặc kép';
      case 'DUPLICATE_KEY':
        return `khóa ${key === undefined ? at : q(key)} bị lặp: mỗi khóa chỉ được ghi một lần trong cùng một mục`;
      case 'IMPOSSIBLE':
        return 'cấu trúc tệp không đọc được ở đây; hãy kiểm tra thụt lề và các dấu ngoặc, dấu "|" hoặc ">"';
      case 'KEY_OVER_1024_CHARS':
        return 'khóa dài quá 1024 ký tự: có thể thiếu dấu ":" hoặc một ngoặc chưa đóng';
      case 'MISSING_CHAR':
        if (/closing "quote/.test(m)) return 'thiếu dấu ngoặc kép đóng (")';
        if (/closing 'quote/.test(m)) return "thiếu dấu nháy đơn đóng (')";
        if (/Missing , or :/.test(m)) return 'thiếu dấu "," hoặc ":" giữa các mục trong ngoặc';
        if (/Missing ,/.test(m)) return 'thiếu dấu "," giữa các mục trong ngoặc';
        if (/space after :/.test(m)) return 'thiếu dấu cách sau ":"';
        if (/followed by map values/.test(m)) return 'khóa thiếu dấu ":" và giá trị';
        if (/Comments must be separated/.test(m)) return 'chú thích (#) phải cách nội dung đứng trước một dấu cách';
        if (/Sequence item without -/.test(m)) return 'mục danh sách thiếu dấu "-"';
        if (/Tags and anchors must be separated/.test(m)) return 'neo (&…) hoặc thẻ (!…) phải cách nội dung sau nó một dấu cách';
        if (/end with ([\]}])/.test(m)) return `thiếu dấu đóng ngoặc "${/end with ([\]}])/.exec(m)![1]}"`;
        return 'thiếu một ký tự bắt buộc (dấu ngoặc đóng, ",", ":" hoặc "-")';
      case 'MULTILINE_IMPLICIT_KEY':
        return 'khóa phải nằm trọn trên một dòng: có thể dòng trên thiếu dấu ":", thụt lề sai hoặc còn ngoặc chưa đóng';
      case 'MULTIPLE_ANCHORS':
        return 'một mục chỉ được có một neo (&…)';
      case 'MULTIPLE_TAGS':
        return 'một mục chỉ được có một thẻ (!…)';
      case 'MULTIPLE_DOCS':
        return 'tệp chứa nhiều văn bản YAML (ngăn cách bởi "---"); mỗi tệp chỉ được chứa một';
      case 'NON_STRING_KEY':
        return 'khóa phải là chuỗi ký tự';
      case 'RESOURCE_EXHAUSTION':
        return 'tệp lồng quá nhiều cấp, không đọc được';
      case 'TAB_AS_INDENT':
        return 'không được thụt lề bằng phím Tab; hãy dùng dấu cách';
      case 'TAG_RESOLVE_FAILED':
        return `thẻ YAML không được hỗ trợ ${q(m.replace(/^.*: /, ''))}`;
      case 'BAD_COLLECTION_TYPE':
        return 'thẻ YAML không hợp với kiểu của mục (danh sách hay bảng)';
      case 'UNEXPECTED_TOKEN':
        if (/Unexpected , in/.test(m)) return 'dấu "," thừa hoặc không đúng chỗ';
        if (/empty item/.test(m)) return 'mục rỗng trong ngoặc (hai dấu "," liền nhau?)';
        if (/Unexpected [\]}]/.test(m)) return `dấu đóng ngoặc ${q(/Unexpected ([\]}])/.exec(m)?.[1] ?? '')} thừa`;
        return `nội dung ${at} không đúng chỗ: có thể thụt lề sai, thiếu dấu "-" hoặc ":", hoặc giá trị cần đặt trong ngoặc kép`;
      default:
        return `cú pháp không đúng (${e.code})`;
    }
  })();
  return `YAML không hợp lệ: ${said}`;
}

// --- aliases --------------------------------------------------------------------------------------

/**
 * Nodes that aliases may add once expanded. Our readers copy what an alias points to (NFC normalisation,
 * then the schema walk), so ten nested aliases of ten ("billion laughs") would be 10⁹ nodes. A registry
 * that names one leader by alias for each of 50,000 units adds a few hundred thousand.
 */
export const MAX_ALIAS_EXPANSION = 1_000_000;

/** The first alias that is undefined or makes the document grow past the limit, in document order. */
function checkAliases(doc: Document): { node: unknown; message: string } | undefined {
  const sizes = new Map<string, number>();
  let added = 0;
  let found: { node: unknown; message: string } | undefined;
  const size = (node: unknown): number => {
    if (found) return 0;
    if (isAlias(node)) {
      const s = sizes.get(node.source);
      if (s === undefined) {
        found = { node, message: `bí danh "*${node.source}" chưa có neo: phải có "&${node.source}" ở phía trên nó` };
        return 0;
      }
      added += s;
      if (added > MAX_ALIAS_EXPANSION)
        found = {
          node,
          message: `bí danh "*${node.source}" làm tệp phình ra quá ${MAX_ALIAS_EXPANSION.toLocaleString('vi-VN')} mục (kiểu "bom bí danh"); không đọc tiếp. Hãy viết thẳng nội dung thay cho bí danh (&…, *…)`,
        };
      return s;
    }
    let n = 1;
    if (isCollection(node)) for (const item of node.items) n += isPair(item) ? size(item.key) + size(item.value) : size(item);
    if (isNode(node) && node.anchor) sizes.set(node.anchor, n);
    return n;
  };
  size(doc.contents);
  return found;
}

// --- parsing and locating ------------------------------------------------------------------------

export interface ParsedYaml {
  file: string;
  data: unknown;
  /** Where the value at `path` is; a missing field is reported at its nearest present parent. */
  locate(path: ReadonlyArray<PropertyKey>): { line: number; column: number };
  /** Where the key `key` of the mapping at `path` is written (the key itself, not its value). */
  locateKey(path: ReadonlyArray<PropertyKey>, key: string): { line: number; column: number };
}

/** Parses YAML text, keeping enough of the document to point errors at a line. */
export function parseYamlText(text: string, file: string): ParsedYaml {
  const source = text.normalize('NFC');
  const lineCounter = new LineCounter();
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const fail = (offset: number, message: string): never => {
    throw new InvalidInputError([{ file, path: '', message, ...pos(offset) }]);
  };
  const doc: Document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    // One error a line: the parser's first is the cause, the rest of that line is its echo.
    const lines = new Set<number>();
    const issues: InputIssue[] = [];
    for (const e of doc.errors) {
      const issue = { file, path: '', message: yamlErrorMessage(e, source), ...pos(e.pos[0]) };
      if (lines.has(issue.line)) continue;
      lines.add(issue.line);
      issues.push(issue);
    }
    throw new InvalidInputError(issues);
  }
  let data: unknown;
  try {
    const alias = checkAliases(doc);
    if (alias) fail(isNode(alias.node) && alias.node.range ? alias.node.range[0] : 0, alias.message);
    // checkAliases bounds what aliases add; yaml's own count stays as a second guard.
    data = normalizeStrings(doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }));
  } catch (e) {
    if (e instanceof InvalidInputError) throw e;
    if (e instanceof RangeError) fail(0, 'tệp lồng quá nhiều cấp, không đọc được');
    if (e instanceof ReferenceError) fail(0, 'YAML không hợp lệ: không đọc được bí danh (*…); hãy viết thẳng nội dung thay cho bí danh');
    throw e;
  }
  const nodeAt = (path: ReadonlyArray<PropertyKey>) => doc.getIn(path as unknown[], true);
  const locate = (path: ReadonlyArray<PropertyKey>) => {
    for (let n = path.length; n >= 0; n--) {
      const node = nodeAt(path.slice(0, n));
      if (isNode(node) && node.range) return pos(node.range[0]);
    }
    return { line: 1, column: 1 };
  };
  return {
    file,
    data,
    locate,
    locateKey(path, key) {
      const map = nodeAt(path);
      if (isMap(map)) {
        const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value).normalize('NFC') === key);
        if (pair && isNode(pair.key) && pair.key.range) return pos(pair.key.range[0]);
      }
      return locate(path);
    },
  };
}

export function issueAt(parsed: ParsedYaml, path: ReadonlyArray<PropertyKey>, message: string): InputIssue {
  return { file: parsed.file, path: formatPath(path), message, ...parsed.locate(path) };
}

// --- unknown keys -----------------------------------------------------------------------------------

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The keys an object schema allows at `path` of `schema` (through defaults, arrays, records, pipes). */
export function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  const found = new Set<string>();
  const walk = (s: z.ZodType | undefined, i: number, depth: number): void => {
    if (!s || depth > 64) return;
    const d = defOf(s);
    const next = (t: z.ZodType | undefined) => walk(t, i, depth + 1);
    switch (d.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'catch':
      case 'readonly':
      case 'nonoptional':
        return next(d.innerType);
      case 'pipe':
        return next(d.in);
      case 'lazy':
        return next(d.getter?.());
      case 'union':
        return d.options?.forEach(next);
      case 'intersection':
        return next(d.left), next(d.right);
    }
    if (i === path.length) {
      if (d.type === 'object') Object.keys(d.shape ?? {}).forEach((k) => found.add(k));
      return;
    }
    const p = path[i];
    if (d.type === 'object' && typeof p === 'string') return walk(d.shape?.[p], i + 1, depth + 1);
    if (d.type === 'array' && typeof p === 'number') return walk(d.element, i + 1, depth + 1);
    if (d.type === 'record') return walk(d.valueType, i + 1, depth + 1);
  };
  walk(schema, 0, 0);
  return [...found];
}

/** Optimal string alignment distance: edits, with a swap of two neighbours counted as one ("urgnecy"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The allowed key a misspelt one most likely meant, if any is near enough to be a typo. */
export function nearestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const k of allowed) {
    const distance = editDistance(key.toLowerCase(), k.toLowerCase());
    // One edit for short keys, up to a third of the longer one's letters for long keys.
    const near = distance <= Math.max(1, Math.floor(Math.max(key.length, k.length) / 3));
    if (near && (!best || distance < best.distance)) best = { key: k, distance };
  }
  return best?.key;
}

export function unknownKeyMessage(key: string, allowed: readonly string[], present: readonly string[] = []): string {
  const free = allowed.filter((k) => !present.includes(k));
  const near = nearestKey(key, free);
  if (near) return `khóa không hợp lệ "${key}" — có phải "${near}"?`;
  if (allowed.length && allowed.length <= 8) return `khóa không hợp lệ "${key}"; ở đây chỉ dùng: ${allowed.join(', ')}`;
  return `khóa không hợp lệ "${key}"`;
}

// zod's Vietnamese names some types in English ("mong đợi string"): say what a clerk writes instead.
const TYPE_VI: Record<string, string> = {
  string: 'chữ',
  number: 'số',
  int: 'số nguyên',
  bigint: 'số nguyên',
  boolean: 'true hoặc false',
  object: 'các mục "khóa: giá trị"',
  array: 'danh sách',
  record: 'các mục "khóa: giá trị"',
};

function describeValue(v: unknown): string {
  if (v === null) return 'để trống';
  if (typeof v === 'string') return `chữ ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `số ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'danh sách';
  return 'các mục "khóa: giá trị"';
}

function typeMessage(expected: string, value: unknown, fallback: string): string {
  const want = TYPE_VI[expected];
  return want ? `cần ${want}, không phải ${describeValue(value)}` : fallback;
}

/** zod's "Quá nhỏ: mong đợi string có >=1 ký tự", said as a clerk would (our own messages are kept). */
function boundMessage(code: 'too_small' | 'too_big', origin: string, bound: number, inclusive: boolean, fallback: string): string {
  const small = code === 'too_small';
  if (origin === 'string') return small && bound <= 1 ? 'không được để trống' : `cần ${small ? 'ít nhất' : 'nhiều nhất'} ${bound} ký tự`;
  if (origin === 'array') return small && bound <= 1 ? 'danh sách không được để trống' : `cần ${small ? 'ít nhất' : 'nhiều nhất'} ${bound} mục`;
  if (origin === 'number') {
    if (small) return inclusive ? `cần số từ ${bound} trở lên` : `cần số lớn hơn ${bound}`;
    return inclusive ? `cần số không quá ${bound}` : `cần số nhỏ hơn ${bound}`;
  }
  return fallback;
}

/** Validates parsed YAML against a schema, turning zod issues into located input issues. */
export function validateYaml<S extends z.ZodType>(parsed: ParsedYaml, schema: S): z.output<S> {
  if (parsed.data === null || parsed.data === undefined)
    throw new InvalidInputError([{ file: parsed.file, path: '', message: 'tệp trống: không có nội dung YAML nào', line: 1, column: 1 }]);
  const result = schema.safeParse(parsed.data);
  if (result.success) return result.data;
  const valueAt = (path: ReadonlyArray<PropertyKey>) => {
    let here: unknown = parsed.data;
    for (const p of path) here = here && typeof here === 'object' ? (here as Record<PropertyKey, unknown>)[p] : undefined;
    return here;
  };
  const issues = result.error.issues.flatMap((i): InputIssue[] => {
    // A required field left out: zod says what type it wanted ("mong đợi string"); a clerk needs "missing".
    if (i.code !== 'custom' && i.path.length && valueAt(i.path) === undefined && valueAt(i.path.slice(0, -1)) !== undefined)
      return [issueAt(parsed, i.path, 'thiếu trường bắt buộc')];
    if (i.code === 'invalid_type') return [issueAt(parsed, i.path, typeMessage(i.expected, valueAt(i.path), i.message))];
    if ((i.code === 'too_small' || i.code === 'too_big') && /^Quá (nhỏ|lớn)/.test(i.message))
      return [issueAt(parsed, i.path, boundMessage(i.code, i.origin, Number(i.code === 'too_small' ? i.minimum : i.maximum), i.inclusive ?? true, i.message))];
    if (i.code !== 'unrecognized_keys') return [issueAt(parsed, i.path, i.message)];
    // zod names the object; a clerk needs the key itself, where it is written, and what was meant.
    const allowed = keysAt(schema, i.path);
    const here = valueAt(i.path);
    const present = here && typeof here === 'object' ? Object.keys(here) : [];
    return i.keys.map((key) => ({
      file: parsed.file,
      path: formatPath([...i.path, key]),
      message: unknownKeyMessage(key, allowed, present),
      ...parsed.locateKey(i.path, key),
    }));
  });
  // In file order, as a clerk fixes them.
  issues.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  throw new InvalidInputError(issues);
}
