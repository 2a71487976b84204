import {
  LineCounter,
  parseDocument,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  type Document,
} from 'yaml';
import type { z } from 'zod';
import { InvalidInputError, formatPath, type InputIssue } from './errors';
import { yamlErrorMessage } from './yaml-errors';
import { boundMessage, keysAt, typeMessage, unknownKeyMessage } from './schema-messages';

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
    if (isCollection(node))
      for (const item of node.items) n += isPair(item) ? size(item.key) + size(item.value) : size(item);
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
    if (e instanceof ReferenceError)
      fail(0, 'YAML không hợp lệ: không đọc được bí danh (*…); hãy viết thẳng nội dung thay cho bí danh');
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
/** Validates parsed YAML against a schema, turning zod issues into located input issues. */
export function validateYaml<S extends z.ZodType>(parsed: ParsedYaml, schema: S): z.output<S> {
  if (parsed.data === null || parsed.data === undefined)
    throw new InvalidInputError([
      { file: parsed.file, path: '', message: 'tệp trống: không có nội dung YAML nào', line: 1, column: 1 },
    ]);
  const result = schema.safeParse(parsed.data);
  if (result.success) return result.data;
  const valueAt = (path: ReadonlyArray<PropertyKey>) => {
    let here: unknown = parsed.data;
    for (const p of path)
      here = here && typeof here === 'object' ? (here as Record<PropertyKey, unknown>)[p] : undefined;
    return here;
  };
  const issues = result.error.issues.flatMap((i): InputIssue[] => {
    // A required field left out: zod says what type it wanted ("mong đợi string"); a clerk needs "missing".
    if (
      i.code !== 'custom' &&
      i.path.length &&
      valueAt(i.path) === undefined &&
      valueAt(i.path.slice(0, -1)) !== undefined
    )
      return [issueAt(parsed, i.path, 'thiếu trường bắt buộc')];
    if (i.code === 'invalid_type')
      return [issueAt(parsed, i.path, typeMessage(i.expected, valueAt(i.path), i.message))];
    if ((i.code === 'too_small' || i.code === 'too_big') && /^Quá (nhỏ|lớn)/.test(i.message))
      return [
        issueAt(
          parsed,
          i.path,
          boundMessage(
            i.code,
            i.origin,
            Number(i.code === 'too_small' ? i.minimum : i.maximum),
            i.inclusive ?? true,
            i.message,
          ),
        ),
      ];
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
