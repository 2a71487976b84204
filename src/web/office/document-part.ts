import type { MultipartFile } from '@fastify/multipart';
import type { DocumentRef } from '../../domain/document';
import { DocumentRefused, type DocumentStore, MAX_DOCUMENT_BYTES } from '../../documents/store';

/**
 * A signed document uploaded in a form, kept as a draft (swept after a day unless a run or a correction
 * keeps it); `undefined` when no file was chosen. A refusal is the message to show beside the field:
 * an oversized file is cut and marked by the parser, not thrown, so the form comes back whole.
 */
export async function draftDocument(
  part: MultipartFile,
  documents: DocumentStore,
): Promise<{ document: DocumentRef } | { error: string } | undefined> {
  const bytes = await part.toBuffer();
  if (!part.filename || !bytes.length) return undefined;
  if (part.file.truncated) return { error: `Tệp văn bản quá ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB.` };
  try {
    return { document: documents.put(part.filename, bytes, { draft: true }) };
  } catch (e) {
    if (!(e instanceof DocumentRefused)) throw e;
    return { error: e.message };
  }
}
