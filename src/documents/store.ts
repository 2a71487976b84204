import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { type DocumentRef } from '../domain/document';

export type { DocumentRef } from '../domain/document';

/** A signed công văn is a few hundred KiB; scans run to a few MiB. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

const MEDIA_BY_EXTENSION: Record<string, DocumentRef['mediaType']> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  odt: 'application/vnd.oasis.opendocument.text',
};

const DRAFT_TTL_MS = 24 * 3600_000;

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
/** A file name as units will see it: no path, quote or line break, at most 255 characters. */
const safeName = (fileName: string) =>
  fileName
    .normalize('NFC')
    .replace(/[\\/\0\r\n"]/g, '_')
    .slice(-255);

export class DocumentStore {
  private readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'documents');
  }

  /**
   * Stores a document. A draft (an upload still being previewed) waits apart and is swept after a day;
   * `promote` keeps it for good once a run is started with it.
   */
  put(fileName: string, bytes: Buffer, o: { draft?: boolean } = {}): DocumentRef {
    if (!bytes.length) throw new DocumentRefused('Tệp văn bản rỗng.');
    if (bytes.length > MAX_DOCUMENT_BYTES)
      throw new DocumentRefused(`Tệp văn bản quá ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB.`);
    const name = safeName(fileName);
    const ref: DocumentRef = {
      fileName: name,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      mediaType: documentType(name, bytes),
    };
    if (o.draft) this.sweepDrafts();
    const file = o.draft ? this.draftFile(ref.sha256) : this.file(ref.sha256);
    // Uploaded again: a draft starts its day afresh, so a preview in progress is not swept under it.
    if (o.draft && existsSync(file)) utimesSync(file, new Date(), new Date());
    if (!existsSync(this.file(ref.sha256)) && !existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes, { mode: 0o640 });
      renameSync(tmp, file);
    }
    return ref;
  }

  /** A draft kept for good: the run that names it now depends on it. */
  promote(sha256: string): void {
    const kept = this.file(sha256);
    if (existsSync(kept)) return;
    renameSync(this.draftFile(sha256), kept);
  }

  /** The bytes of a stored document, checked against their hash: a changed file is refused, not served. */
  read(ref: Pick<DocumentRef, 'sha256'>): Buffer {
    const kept = this.file(ref.sha256);
    const bytes = readFileSync(existsSync(kept) ? kept : this.draftFile(ref.sha256));
    if (createHash('sha256').update(bytes).digest('hex') !== ref.sha256)
      throw new Error(`văn bản ${ref.sha256.slice(0, 12)}… đã bị thay đổi trên đĩa; không gửi bản khác bản đã ký`);
    return bytes;
  }

  /** A stored document's size, without reading it. */
  size(sha256: string): number {
    const kept = this.file(sha256);
    return statSync(existsSync(kept) ? kept : this.draftFile(sha256)).size;
  }

  /** The reference of a document kept from an earlier step of a form, under the name it was uploaded with. */
  ref(sha256: string, fileName: string): DocumentRef {
    const bytes = this.read({ sha256 });
    const name = safeName(fileName) || `${sha256.slice(0, 12)}.pdf`;
    return { fileName: name, sha256, size: bytes.length, mediaType: documentType(name, bytes) };
  }

  has(sha256: string): boolean {
    return /^[0-9a-f]{64}$/.test(sha256) && (existsSync(this.file(sha256)) || existsSync(this.draftFile(sha256)));
  }

  private draftFile(sha256: string): string {
    return join(this.dir, 'drafts', this.name(sha256));
  }

  /** Previews never started leave nothing behind for longer than a day. */
  private sweepDrafts(now = Date.now()): void {
    const drafts = join(this.dir, 'drafts');
    if (!existsSync(drafts)) return;
    for (const f of readdirSync(drafts)) {
      const path = join(drafts, f);
      if (now - statSync(path).mtimeMs > DRAFT_TTL_MS) rmSync(path, { force: true });
    }
  }

  private file(sha256: string): string {
    return join(this.dir, this.name(sha256));
  }

  private name(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a SHA-256');
    return sha256;
  }
}
