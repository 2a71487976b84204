import type { FastifyReply } from 'fastify';
import { PageError, type WebDeps } from './context';
import { DocumentStore } from '../documents/store';

/**
 * The run's signed document, byte for byte as stored under its SHA-256 (checked on read), for the Office
 * and for the units it was sent to. The hash travels in a header so a download can be checked.
 */
export async function sendSignedDocument(
  reply: FastifyReply,
  deps: WebDeps,
  runKey: string,
  /** A correction's file (version 2 on) instead of the original's. */
  version?: number,
): Promise<FastifyReply> {
  const ref = version
    ? (await deps.office.run(runKey)).corrections?.find((c) => c.version === version)?.document
    : (await deps.office.directive(runKey)).document;
  if (!ref)
    throw new PageError(
      404,
      'Không có tệp ký số',
      version ? `Phiên bản ${version} không kèm tệp văn bản.` : 'Đợt gửi này bắt đầu không kèm tệp văn bản ký số.',
    );
  const store = new DocumentStore(deps.config.CHIDAO_DATA_DIR);
  if (!store.has(ref.sha256))
    throw new PageError(
      410,
      'Tệp không còn trên máy chủ',
      'Tệp văn bản ký số của đợt gửi này không còn trên máy chủ; hãy báo Văn phòng.',
    );
  const bytes = store.read(ref);
  return reply
    .type(ref.mediaType)
    .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(ref.fileName)}`)
    .header('x-content-sha256', ref.sha256)
    .send(bytes);
}
