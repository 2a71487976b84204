/** One problem in an input file, located for a clerk: file, line, column and the field's path. */
export interface InputIssue {
  file: string;
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export function formatIssue(i: InputIssue): string {
  const where = i.line ? `${i.file}:${i.line}:${i.column ?? 1}` : i.file;
  return i.path ? `${where}: ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

/** Bad input: nothing was started, and every issue says where it is. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(readonly issues: InputIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

/**
 * Secret documents must not travel by ordinary email (State Secrets Law; Decree 30/2020 defers to it).
 * The domain knows only the reason; whoever read the file adds where it says so (`confidentiality`), and
 * the message then starts with file:line:col like every other input error.
 */
export class SecretDocumentError extends Error {
  override readonly name = 'SecretDocumentError';
  /** The directive field that makes it secret. */
  readonly path = ['confidentiality'] as const;
  constructor(
    readonly reason: string,
    readonly issue?: InputIssue,
  ) {
    super(issue ? formatIssue(issue) : reason);
  }
}

/** `path` as a clerk reads it: recipients[12].unit */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}
