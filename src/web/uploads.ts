import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** Report files a unit may upload: office documents, PDF and scans, each recognised by its first bytes. */
const SIGNATURES: Record<string, number[][]> = {
  pdf: [[0x25, 0x50, 0x44, 0x46]],
  docx: [[0x50, 0x4b, 0x03, 0x04]],
  xlsx: [[0x50, 0x4b, 0x03, 0x04]],
  odt: [[0x50, 0x4b, 0x03, 0x04]],
  ods: [[0x50, 0x4b, 0x03, 0x04]],
  doc: [[0xd0, 0xcf, 0x11, 0xe0]],
  xls: [[0xd0, 0xcf, 0x11, 0xe0]],
  jpg: [[0xff, 0xd8, 0xff]],
  jpeg: [[0xff, 0xd8, 0xff]],
  png: [[0x89, 0x50, 0x4e, 0x47]],
};
export const ALLOWED_EXTENSIONS = Object.keys(SIGNATURES);
export const ACCEPT_ATTRIBUTE = ALLOWED_EXTENSIONS.map((e) => `.${e}`).join(',');

export const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`);

export class UploadRefused extends Error {}

export interface StoredUpload {
  fileName: string;
  sha256: string;
  bytes: number;
  path: string;
}

/** A name safe on every file system, keeping Vietnamese letters. */
export const safeFileName = (name: string) =>
  name
    .normalize('NFC')
    .replace(/[/\\?%*:|"<>\u0000-\u001f]/g, '_')
    .replace(/^\.+/, '')
    .slice(-120) || 'tep';

/**
 * Streams an upload to disk while hashing it, and keeps it only if it is within the size limit and
 * its content matches its extension. The SHA-256 goes into the report and the audit record.
 */
export async function storeUpload(stream: Readable & { truncated?: boolean }, originalName: string, dir: string, maxBytes: number): Promise<StoredUpload> {
  const fileName = safeFileName(originalName);
  const ext = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  if (!SIGNATURES[ext]) {
    stream.resume();
    throw new UploadRefused(`Tệp "${fileName}" không thuộc loại được nhận (${ALLOWED_EXTENSIONS.join(', ')}).`);
  }
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.upload-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      if (head.length < 8) head = Buffer.concat([head, chunk.subarray(0, 8 - head.length)]);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(stream, tap, createWriteStream(tmp, { flags: 'wx' }));
    if (stream.truncated || bytes > maxBytes) throw new UploadRefused(`Tệp "${fileName}" lớn hơn giới hạn ${sizeText(maxBytes)}.`);
    if (bytes === 0) throw new UploadRefused(`Tệp "${fileName}" rỗng.`);
    if (!SIGNATURES[ext]!.some((sig) => sig.every((b, i) => head[i] === b)))
      throw new UploadRefused(`Nội dung tệp "${fileName}" không phải tệp .${ext} hợp lệ.`);
    const sha256 = hash.digest('hex');
    // Named by content: the same file uploaded twice is stored once.
    const path = join(dir, `${sha256.slice(0, 16)}-${fileName}`);
    renameSync(tmp, path);
    return { fileName, sha256, bytes, path };
  } catch (e) {
    rmSync(tmp, { force: true });
    if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new UploadRefused(`Tệp "${fileName}" lớn hơn giới hạn ${sizeText(maxBytes)}.`);
    throw e;
  }
}
