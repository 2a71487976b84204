import type { FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';

/** Form bodies (256 KiB; routes may lower it) and multipart uploads (one file, within the size limit). */
export async function forms(app: FastifyInstance, opts: { uploadMaxBytes: number }): Promise<void> {
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(multipart, { limits: { fileSize: opts.uploadMaxBytes, files: 1 } });
}
