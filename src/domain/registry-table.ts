import { registrySchema, type Person, type Registry, type Unit } from './registry';

/**
 * A registry as a table (CSV or a spreadsheet's first sheet): one unit per row, the columns below in any
 * order, headed by their Vietnamese title (or the YAML key, for those who export from another system).
 * The registry's own id, name and effective date come from the import, not from the table.
 */
export const REGISTRY_COLUMNS = [
  { key: 'code', title: 'Mã đơn vị', hint: 'bắt buộc; chữ không dấu, số, ".", "_", "-"' },
  { key: 'name', title: 'Tên đơn vị', hint: 'bắt buộc' },
  { key: 'emails', title: 'Email', hint: 'bắt buộc; nhiều địa chỉ cách nhau bằng ";"' },
  { key: 'groups', title: 'Nhóm', hint: 'mã nhóm, cách nhau bằng ";"' },
  { key: 'parent', title: 'Đơn vị cấp trên', hint: 'mã một đơn vị trong bảng' },
  { key: 'province', title: 'Tỉnh, thành phố', hint: '' },
  { key: 'region', title: 'Vùng', hint: '' },
  { key: 'head.name', title: 'Thủ trưởng', hint: 'họ tên; bậc đôn đốc thứ nhất' },
  { key: 'head.title', title: 'Chức vụ thủ trưởng', hint: '' },
  { key: 'head.email', title: 'Email thủ trưởng', hint: '' },
  { key: 'leader.name', title: 'Lãnh đạo phụ trách', hint: 'họ tên; bậc đôn đốc thứ hai' },
  { key: 'leader.title', title: 'Chức vụ lãnh đạo phụ trách', hint: '' },
  { key: 'leader.email', title: 'Email lãnh đạo phụ trách', hint: '' },
] as const;
export type ColumnKey = (typeof REGISTRY_COLUMNS)[number]['key'];

/** Units one registry may hold: a national directive to every commune reaches ~63,600. */
export const MAX_REGISTRY_UNITS = 100_000;
/** A cell longer than this is a wrong column (a pasted paragraph), not a name or an address. */
export const MAX_CELL_CHARS = 1_000;

/** One problem in a table, where a clerk finds it in the spreadsheet: row as numbered there, column letter. */
export interface TableIssue {
  row?: number;
  column?: string;
  title?: string;
  /** A field of the import itself (id, name, effective) rather than a cell. */
  field?: string;
  message: string;
}

/** "dòng 5, cột C (Email): …" */
export function describeTableIssue(i: TableIssue): string {
  const at = [i.row && `dòng ${i.row}`, i.column && `cột ${i.column}${i.title ? ` (${i.title})` : ''}`]
    .filter(Boolean)
    .join(', ');
  return at ? `${at}: ${i.message}` : i.message;
}

export function columnLetter(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** "Chức vụ thủ trưởng" and "chuc vu thu truong" and "head.title" all read the same. */
function headerKey(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
const BY_HEADER = new Map<string, ColumnKey>(
  REGISTRY_COLUMNS.flatMap((c) => [
    [headerKey(c.title), c.key],
    [headerKey(c.key), c.key],
  ]),
);
const TITLE = new Map<ColumnKey, string>(REGISTRY_COLUMNS.map((c) => [c.key, c.title]));

/** Our CSV export guards formula-like text with an apostrophe; reading it back takes the guard off. */
const unguard = (s: string) => (/^'[=+\-@]/.test(s) ? s.slice(1) : s);
const list = (s: string) =>
  s
    .split(/[;,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

export interface TableMeta {
  id: string;
  name: string;
  effective: string;
  /** Names of the groups the rows use, from the version before; a group without one is named by its code. */
  groupNames?: Record<string, string>;
}

/**
 * Rows (header first) to a registry, checked by the same schema as a YAML registry; every problem is
 * placed at its row and column. Blank rows are skipped but keep their numbers, as the spreadsheet shows them.
 */
export function registryFromTable(rows: string[][], meta: TableMeta): { registry?: Registry; issues: TableIssue[] } {
  const issues: TableIssue[] = [];
  const [header = [], ...body] = rows;
  const columns = new Map<ColumnKey, number>();
  header.forEach((h, i) => {
    const text = h.trim();
    if (!text) return;
    const key = BY_HEADER.get(headerKey(text));
    if (!key)
      issues.push({
        row: 1,
        column: columnLetter(i),
        title: text,
        message: `không nhận ra tiêu đề cột này; các cột là: ${REGISTRY_COLUMNS.map((c) => c.title).join(', ')}`,
      });
    else if (columns.has(key))
      issues.push({ row: 1, column: columnLetter(i), title: text, message: `cột "${TITLE.get(key)}" có hai lần` });
    else columns.set(key, i);
  });
  for (const key of ['code', 'name', 'emails'] as const)
    if (!columns.has(key)) issues.push({ row: 1, message: `thiếu cột "${TITLE.get(key)}" ở dòng tiêu đề` });
  if (issues.length) return { issues };

  const units: unknown[] = [];
  /** units[i] came from spreadsheet row rowOf[i]. */
  const rowOf: number[] = [];
  // The template's second row explains each column; a clerk who leaves it in should not get a unit "bắt buộc".
  const isHints = (cells: string[]) =>
    [...columns].every(([key, i]) => (cells[i] ?? '').trim() === REGISTRY_COLUMNS.find((c) => c.key === key)!.hint);
  body.forEach((cells, r) => {
    if (!cells.some((c) => c.trim()) || isHints(cells)) return;
    const row = r + 2;
    const get = (key: ColumnKey): string => {
      const i = columns.get(key);
      const v = i === undefined ? '' : unguard((cells[i] ?? '').normalize('NFC').trim());
      if (v.length > MAX_CELL_CHARS)
        issues.push({
          row,
          column: columnLetter(i!),
          title: TITLE.get(key),
          message: `dài quá ${MAX_CELL_CHARS} ký tự`,
        });
      return v;
    };
    const person = (p: 'head' | 'leader'): Partial<Person> | undefined => {
      const name = get(`${p}.name`);
      const title = get(`${p}.title`);
      const email = get(`${p}.email`);
      if (!name && !title && !email) return undefined;
      return { name, ...(title ? { title } : {}), ...(email ? { email } : {}) };
    };
    const u: Record<string, unknown> = { code: get('code'), name: get('name'), emails: list(get('emails')) };
    const groups = list(get('groups'));
    if (groups.length) u.groups = groups;
    for (const key of ['parent', 'province', 'region'] as const) {
      const v = get(key);
      if (v) u[key] = v;
    }
    for (const p of ['head', 'leader'] as const) {
      const v = person(p);
      if (v) u[p] = v;
    }
    units.push(u);
    rowOf.push(row);
  });
  if (units.length > MAX_REGISTRY_UNITS)
    return { issues: [{ message: `bảng có ${units.length} đơn vị; một danh mục tối đa ${MAX_REGISTRY_UNITS}` }] };
  if (!units.length) return { issues: [{ message: 'bảng không có đơn vị nào dưới dòng tiêu đề' }] };
  if (issues.length) return { issues };

  const used = new Set(units.flatMap((u) => ((u as { groups?: string[] }).groups ?? []) as string[]));
  // Groups the version before named keep its order; new ones follow by code.
  const named = Object.keys(meta.groupNames ?? {}).filter((c) => used.has(c));
  const groups = [...named, ...[...used].filter((c) => !named.includes(c)).sort()].map((code) => ({
    code,
    name: meta.groupNames?.[code] ?? code,
  }));
  const parsed = registrySchema.safeParse({ id: meta.id, name: meta.name, effective: meta.effective, groups, units });
  if (parsed.success) return { registry: parsed.data, issues: [] };
  for (const issue of parsed.error.issues) {
    const [top, index, ...rest] = issue.path;
    if (top === 'units' && typeof index === 'number') {
      const key = cellKey(rest);
      const col = columns.get(key);
      issues.push({
        row: rowOf[index],
        ...(col !== undefined ? { column: columnLetter(col), title: TITLE.get(key) } : {}),
        message: issue.message,
      });
    } else issues.push({ field: String(top ?? ''), message: issue.message });
  }
  // In the order a clerk reads the sheet: down the rows, then across ("B" before "AA").
  const col = (c = '') => [...c].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  return { issues: issues.sort((a, b) => (a.row ?? 0) - (b.row ?? 0) || col(a.column) - col(b.column)) };
}

/** A schema path inside a unit ("emails", 0) or ("head", "email") to the column it was read from. */
function cellKey(rest: PropertyKey[]): ColumnKey {
  const [a, b] = rest;
  if ((a === 'head' || a === 'leader') && (b === 'name' || b === 'title' || b === 'email')) return `${a}.${b}`;
  if (a === 'head' || a === 'leader') return `${a}.name`;
  const known = REGISTRY_COLUMNS.find((c) => c.key === a);
  return known ? known.key : 'code';
}

/** The registry as rows, in the template's columns: for export, and to start a new version from the old. */
export function registryToTable(reg: Pick<Registry, 'units'>): string[][] {
  const cell = (u: Unit, key: ColumnKey): string => {
    switch (key) {
      case 'emails':
        return u.emails.join('; ');
      case 'groups':
        return u.groups.join('; ');
      case 'head.name':
      case 'head.title':
      case 'head.email':
      case 'leader.name':
      case 'leader.title':
      case 'leader.email': {
        const [p, f] = key.split('.') as ['head' | 'leader', keyof Person];
        return u[p]?.[f] ?? '';
      }
      default:
        return u[key] ?? '';
    }
  };
  return [REGISTRY_COLUMNS.map((c) => c.title), ...reg.units.map((u) => REGISTRY_COLUMNS.map((c) => cell(u, c.key)))];
}
