import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { fileTypeFromFile } from 'file-type';
import sanitize from 'sanitize-filename';

/**
 * Report files a unit may upload (office documents, PDF and scans), by extension, with the types
 * file-type must find in their content. Word and Excel 97–2003 share one container (CFB), which
 * file-type names as such.
 */
const TYPES: Record<string, readonly string[]> = {
  pdf: ['pdf'],
  docx: ['docx'],
  xlsx: ['xlsx'],
  odt: ['odt'],
  ods: ['ods'],
  doc: ['cfb'],
  xls: ['cfb'],
  jpg: ['jpg'],
  jpeg: ['jpg'],
  png: ['png'],
};
export const ALLOWED_EXTENSIONS = Object.keys(TYPES);
export const ACCEPT_ATTRIBUTE = ALLOWED_EXTENSIONS.map((e) => `.${e}`).join(',');

export const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`;

export class UploadRefused extends Error {}

/** An upload that passed its checks and waits, in a temporary file, for the report it belongs to. */
export interface PendingUpload {
  fileName: string;
  sha256: string;
  bytes: number;
  tmpPath: string;
}

/** A name safe on every file system (sanitize-filename), keeping Vietnamese letters; never hidden. */
export const safeFileName = (name: string) =>
  sanitize(name.normalize('NFC'), { replacement: '_' }).replace(/^\.+/, '').slice(-120) || 'tep';

/** Where uploads wait until their report is accepted by the workflow; nothing there is ever served. */
export const incomingDir = (uploadsRoot: string) => join(uploadsRoot, '.incoming');

/**
 * Streams an upload to a temporary file while hashing it, and keeps it only if it is within the size
 * limit and its content matches its extension. The caller then keeps it (keepUpload) once the report
 * is recorded, or discards it on any refusal: a refused report leaves nothing on disk.
 */
export async function receiveUpload(
  stream: Readable & { truncated?: boolean },
  originalName: string,
  incoming: string,
  maxBytes: number,
): Promise<PendingUpload> {
  const fileName = safeFileName(originalName);
  const ext = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  if (!TYPES[ext]) {
    stream.resume();
    throw new UploadRefused(`Tệp "${fileName}" không thuộc loại được nhận (${ALLOWED_EXTENSIONS.join(', ')}).`);
  }
  mkdirSync(incoming, { recursive: true });
  const tmpPath = join(incoming, `upload-${randomBytes(8).toString('hex')}`);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(stream, tap, createWriteStream(tmpPath, { flags: 'wx' }));
    if (stream.truncated || bytes > maxBytes)
      throw new UploadRefused(`Tệp "${fileName}" lớn hơn giới hạn ${sizeText(maxBytes)}.`);
    if (bytes === 0) throw new UploadRefused(`Tệp "${fileName}" rỗng.`);
    // The content, not the name: file-type reads the file's own structure (for OOXML, its zip entries).
    const found = await fileTypeFromFile(tmpPath);
    if (!found || !TYPES[ext]!.includes(found.ext))
      throw new UploadRefused(`Nội dung tệp "${fileName}" không phải tệp .${ext} hợp lệ.`);
    return { fileName, sha256: hash.digest('hex'), bytes, tmpPath };
  } catch (e) {
    rmSync(tmpPath, { force: true });
    if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
      throw new UploadRefused(`Tệp "${fileName}" lớn hơn giới hạn ${sizeText(maxBytes)}.`);
    throw e;
  }
}

/** Bytes a unit already keeps on the server. */
export function usedBytes(unitDir: string): number {
  if (!existsSync(unitDir)) return 0;
  return readdirSync(unitDir).reduce((sum, f) => sum + statSync(join(unitDir, f)).size, 0);
}

/** Refuses an upload that would take the unit past its quota. */
export function checkQuota(upload: PendingUpload, unitDir: string, quotaBytes: number): void {
  if (usedBytes(unitDir) + upload.bytes > quotaBytes)
    throw new UploadRefused(
      `Đơn vị đã dùng hết dung lượng lưu tệp (${sizeText(quotaBytes)}). Đề nghị gửi tệp cho Văn phòng qua thư điện tử.`,
    );
}

/** Moves an upload to the unit's folder, named by content: the same file uploaded twice is stored once. */
export function keepUpload(upload: PendingUpload, unitDir: string): string {
  mkdirSync(unitDir, { recursive: true });
  const path = join(unitDir, `${upload.sha256.slice(0, 16)}-${upload.fileName}`);
  if (existsSync(path)) rmSync(upload.tmpPath, { force: true });
  else renameSync(upload.tmpPath, path);
  return path;
}

export function discardUpload(upload: PendingUpload | undefined): void {
  if (upload) rmSync(upload.tmpPath, { force: true });
}
