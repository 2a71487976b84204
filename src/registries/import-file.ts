import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { read as readWorkbook, utils as sheetUtils } from '@e965/xlsx';
import { Unzip, UnzipInflate, zipSync } from 'fflate';
import { InvalidInputError, type InputIssue } from '../domain/errors';
import { registrySchema, type Registry } from '../domain/registry';
import { decodeUtf8 } from '../domain/text-encoding';
import { parseYamlText, validateYaml } from '../domain/yaml-input';
import {
  describeTableIssue,
  MAX_REGISTRY_UNITS,
  registryFromTable,
  type TableIssue,
  type TableMeta,
} from '../domain/registry-table';

const MiB = 1024 * 1024;
/** A YAML or CSV registry of 100,000 units with heads and leaders is about 40 MiB. */
export const MAX_REGISTRY_TEXT_BYTES = 50 * MiB;
/** An XLSX is zipped: its parts may unpack to at most this much, so a small "zip bomb" is refused. */
export const MAX_XLSX_BYTES = 20 * MiB;
export const MAX_XLSX_UNPACKED_BYTES = 200 * MiB;

export type RegistryFormat = 'yaml' | 'csv' | 'xlsx';

/** By the name first (what a person chose to upload), by the bytes when the name says nothing. */
export function formatOf(fileName: string, bytes: Uint8Array): RegistryFormat | undefined {
  const ext = extname(fileName).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.csv') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'xlsx';
  return undefined;
}

const refuse = (file: string, message: string): never => {
  throw new InvalidInputError([{ file, path: '', message }]);
};

/** Table issues as the input issues every door already shows: "dòng 5, cột C (Email)" in place of a path. */
function tableIssues(file: string, issues: TableIssue[]): InputIssue[] {
  return issues.map((i) => ({
    file,
    path: i.field ?? '',
    message: describeTableIssue(i),
  }));
}

function csvRows(bytes: Uint8Array, file: string): string[][] {
  const text = decodeUtf8(bytes, file);
  // Excel saves with ";" where the list separator is ";"; the header line tells which this file used.
  const head = text.slice(0, text.indexOf('\n') >>> 0);
  const delimiter = head.split(';').length > head.split(',').length ? ';' : ',';
  try {
    return parseCsv(text, { delimiter, bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    return refuse(file, `không đọc được CSV${err.lines ? ` ở dòng ${err.lines}` : ''}: ${err.message}`);
  }
}

class UnpackedTooLarge extends Error {}

/**
 * The workbook's parts inflated here with a running count, stopping past the limit: the sizes a zip
 * declares are the uploader's to write, and SheetJS would inflate a part whole before looking. SheetJS then
 * reads them stored (not compressed) again, so it has nothing left to inflate.
 */
function unpackCapped(bytes: Uint8Array, file: string): Uint8Array {
  const parts: Record<string, Uint8Array> = {};
  let total = 0;
  try {
    const unzip = new Unzip((entry) => {
      const chunks: Uint8Array[] = [];
      entry.ondata = (err, data, final) => {
        if (err) throw err;
        total += data.length;
        if (total > MAX_XLSX_UNPACKED_BYTES) throw new UnpackedTooLarge();
        chunks.push(data);
        if (final) parts[entry.name] = Buffer.concat(chunks);
      };
      entry.start();
    });
    unzip.register(UnzipInflate);
    unzip.push(bytes, true);
  } catch (e) {
    if (e instanceof UnpackedTooLarge)
      refuse(
        file,
        `tệp XLSX giải nén ra quá lớn (hơn ${MAX_XLSX_UNPACKED_BYTES / MiB} MiB); hãy chia nhỏ hoặc dùng CSV`,
      );
    refuse(file, 'không phải tệp XLSX (bảng tính Excel) hợp lệ; hãy lưu lại bằng "Excel Workbook (.xlsx)"');
  }
  if (!Object.keys(parts).length)
    refuse(file, 'không phải tệp XLSX (bảng tính Excel) hợp lệ; hãy lưu lại bằng "Excel Workbook (.xlsx)"');
  return zipSync(parts, { level: 0 });
}

function xlsxRows(bytes: Uint8Array, file: string): string[][] {
  if (bytes.length > MAX_XLSX_BYTES) refuse(file, `tệp XLSX quá lớn; tối đa ${MAX_XLSX_BYTES / MiB} MiB`);
  const stored = unpackCapped(bytes, file);
  try {
    const wb = readWorkbook(stored, {
      type: 'buffer',
      sheetRows: MAX_REGISTRY_UNITS + 2,
      dense: true,
      cellHTML: false,
    });
    const first = wb.SheetNames[0];
    if (!first) return refuse(file, 'bảng tính không có trang nào');
    return sheetUtils.sheet_to_json<string[]>(wb.Sheets[first]!, {
      header: 1,
      raw: false,
      defval: '',
      blankrows: true,
    });
  } catch (e) {
    if (e instanceof InvalidInputError) throw e;
    return refuse(file, `không đọc được bảng tính: ${(e as Error).message}`);
  }
}

/**
 * A registry from an uploaded or named file. YAML carries its own id, name and effective date; a table
 * (CSV, XLSX) takes them from `meta`. Every problem is thrown at once as InvalidInputError, located by
 * line (YAML) or by row and column (tables).
 */
export function readRegistryFile(
  bytes: Uint8Array,
  file: string,
  meta: Partial<TableMeta>,
): { registry: Registry; format: RegistryFormat } {
  const format = formatOf(file, bytes);
  if (!format) return refuse(file, 'chỉ nhận danh mục dạng YAML (.yaml), CSV (.csv) hoặc Excel (.xlsx)');
  if (format !== 'xlsx' && bytes.length > MAX_REGISTRY_TEXT_BYTES)
    refuse(file, `tệp quá lớn; danh mục tối đa ${MAX_REGISTRY_TEXT_BYTES / MiB} MiB`);
  if (format === 'yaml') {
    const registry = validateYaml(parseYamlText(decodeUtf8(bytes, file), file), registrySchema);
    if (registry.units.length > MAX_REGISTRY_UNITS)
      refuse(file, `danh mục có ${registry.units.length} đơn vị; tối đa ${MAX_REGISTRY_UNITS}`);
    return { registry, format };
  }
  const missing: TableIssue[] = [];
  if (!meta.id) missing.push({ field: 'id', message: 'thiếu mã danh mục' });
  if (!meta.name) missing.push({ field: 'name', message: 'thiếu tên danh mục' });
  if (!meta.effective) missing.push({ field: 'effective', message: 'thiếu ngày hiệu lực (YYYY-MM-DD)' });
  if (missing.length) throw new InvalidInputError(tableIssues(file, missing));
  const rows = format === 'csv' ? csvRows(bytes, file) : xlsxRows(bytes, file);
  const { registry, issues } = registryFromTable(rows, meta as TableMeta);
  if (!registry) throw new InvalidInputError(tableIssues(file, issues.slice(0, 200)));
  return { registry, format };
}
