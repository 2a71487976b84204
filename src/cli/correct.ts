import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Config } from '../config';
import { CORRECTION_LABEL, type CorrectionKind } from '../domain/correction';
import { DocumentRefused, DocumentStore, MAX_DOCUMENT_BYTES } from '../documents/store';
import type { CorrectionOutcome, Office } from '../office';
import { CliError } from './errors';

interface Io {
  cfg: Config;
  print: (s: string) => void;
  connect: () => Promise<Office>;
  key: string;
  by: string;
}

/**
 * `chidao correct <văn bản> --kind dinh-chinh|thay-the --changes <những gì thay đổi> [--file <văn bản ký số>]`,
 * or `--resend <phiên bản>` to give an issued version to the units it has not reached.
 */
export async function correctCommand(
  o: { kind?: string; changes?: string; file?: string; resend?: string },
  io: Io,
): Promise<number> {
  if (o.resend !== undefined) {
    const version = Number(o.resend);
    if (!Number.isInteger(version) || version < 2) throw new CliError('--resend cần số phiên bản (2, 3…)');
    io.print(renderOutcome(await (await io.connect()).resendCorrection(io.key, version, io.by), io.key));
    return 0;
  }
  if (o.kind !== 'dinh-chinh' && o.kind !== 'thay-the')
    throw new CliError('thiếu --kind dinh-chinh (đính chính) hoặc --kind thay-the (thay thế)');
  // Kept under CHIDAO_DATA_DIR, which the worker must share: it attaches the file from there.
  if (o.file && statSync(o.file).size > MAX_DOCUMENT_BYTES)
    throw new CliError(`tệp văn bản quá ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB: ${o.file}`);
  const document = o.file ? keep(io.cfg, o.file) : undefined;
  const office = await io.connect();
  const r = await office.correct({
    key: io.key,
    by: io.by,
    kind: o.kind satisfies CorrectionKind,
    changes: o.changes ?? '',
    ...(document ? { document } : {}),
  });
  io.print(renderOutcome(r, io.key));
  return 0;
}

function keep(cfg: Config, file: string) {
  try {
    return new DocumentStore(cfg.CHIDAO_DATA_DIR).put(basename(file), readFileSync(file));
  } catch (e) {
    if (e instanceof DocumentRefused) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
}

export function renderOutcome(r: CorrectionOutcome, key: string): string {
  const c = r.correction;
  const lines = [
    `${CORRECTION_LABEL[c.kind]} phiên bản ${c.version}: ${r.delivered.length} đơn vị đang theo dõi đã nhận, ` +
      `${r.told.length} đơn vị đã hoàn thành được báo qua thư, ${r.refused.length} chưa nhận.`,
    ...r.refused.map((x) => `  ${x.unit}: ${x.reason}`),
  ];
  if (r.refused.length)
    lines.push(`Gửi lại cho đơn vị chưa nhận khi có thể: chidao correct ${key} --resend ${c.version}`);
  return lines.join('\n');
}
