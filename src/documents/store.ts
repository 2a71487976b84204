import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DocumentRef } from '../domain/document';

export type { DocumentRef } from '../domain/document';

/** A signed công văn is a few hundred KiB; scans run to a few MiB. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

const MEDIA_BY_EXTENSION: Record<string, DocumentRef['mediaType']> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  odt: 'application/vnd.oasis.opendocument.text',
};

export class DocumentRefused extends Error {
  override name = 'DocumentRefused';
}

/**
 * What the bytes are, by their extension and their first bytes together: a PDF starts "%PDF-", DOCX
 * and ODT are zip files. A renamed executable is neither.
 */
export function documentType(fileName: string, bytes: Buffer): DocumentRef['mediaType'] {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const media = MEDIA_BY_EXTENSION[ext];
  if (!media) throw new DocumentRefused('Văn bản ký số phải là tệp PDF (hoặc DOCX, ODT).');
  const pdf = bytes.subarray(0, 5).toString('latin1') === '%PDF-';
  const zip = bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  if (media === 'application/pdf' ? !pdf : !zip)
    throw new DocumentRefused(`Tệp ${fileName} không phải ${ext.toUpperCase()} thật (nội dung không khớp đuôi tệp).`);
  return media;
}

/**
 * Signed documents, stored once by their SHA-256 under CHIDAO_DATA_DIR/documents: the run names the
 * hash, every dispatch attaches these bytes, and a unit downloads the very file that was signed.
 */
export class DocumentStore {
  private readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'documents');
  }

  put(fileName: string, bytes: Buffer): DocumentRef {
    if (!bytes.length) throw new DocumentRefused('Tệp văn bản rỗng.');
    if (bytes.length > MAX_DOCUMENT_BYTES)
      throw new DocumentRefused(`Tệp văn bản quá ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB.`);
    const name = fileName
      .normalize('NFC')
      .replace(/[\\/\0\r\n"]/g, '_')
      .slice(-255);
    const ref: DocumentRef = {
      fileName: name,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      mediaType: documentType(name, bytes),
    };
    const file = this.file(ref.sha256);
    if (!existsSync(file)) {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes, { mode: 0o640 });
      renameSync(tmp, file);
    }
    return ref;
  }

  /** The bytes of a stored document, checked against their hash: a changed file is refused, not served. */
  read(ref: Pick<DocumentRef, 'sha256'>): Buffer {
    const bytes = readFileSync(this.file(ref.sha256));
    if (createHash('sha256').update(bytes).digest('hex') !== ref.sha256)
      throw new Error(`văn bản ${ref.sha256.slice(0, 12)}… đã bị thay đổi trên đĩa; không gửi bản khác bản đã ký`);
    return bytes;
  }

  has(sha256: string): boolean {
    return /^[0-9a-f]{64}$/.test(sha256) && existsSync(this.file(sha256));
  }

  private file(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a SHA-256');
    return join(this.dir, sha256);
  }
}
