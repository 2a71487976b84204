import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
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

export interface ParsedYaml {
  file: string;
  data: unknown;
  locate(path: ReadonlyArray<PropertyKey>): { line?: number; column?: number };
}

/** Parses YAML text, keeping enough of the document to point errors at a line. */
export function parseYamlText(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text.normalize('NFC'), { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new InvalidInputError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, path: '', line: pos.line, column: pos.col, message: `YAML không hợp lệ: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  return {
    file,
    data: normalizeStrings(doc.toJS()),
    locate(path) {
      // Walk up until a node exists: a missing field is reported at its parent.
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n) as unknown[], true);
        if (isNode(node) && node.range) {
          const pos = lineCounter.linePos(node.range[0]);
          return { line: pos.line, column: pos.col };
        }
      }
      return {};
    },
  };
}

export function issueAt(parsed: ParsedYaml, path: ReadonlyArray<PropertyKey>, message: string): InputIssue {
  return { file: parsed.file, path: formatPath(path), message, ...parsed.locate(path) };
}

/** Validates parsed YAML against a schema, turning zod issues into located input issues. */
export function validateYaml<S extends z.ZodType>(parsed: ParsedYaml, schema: S): z.output<S> {
  const result = schema.safeParse(parsed.data);
  if (result.success) return result.data;
  throw new InvalidInputError(result.error.issues.map((i) => issueAt(parsed, i.path, i.message)));
}
