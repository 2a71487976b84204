import { z } from 'zod';

/**
 * Route schemas' building blocks (through fastify-type-provider-zod). They only shape the request: a
 * form field is a string or absent; what its content may be is the Office service's to judge, so a
 * refusal can bring the form back with what was typed.
 */
export const formText = z
  .string()
  .optional()
  .transform((v) => (v ?? '').normalize('NFC').trim());

/** The query of a unit's link: its token, nothing else read. */
export const linkQuery = z.object({ t: z.string().max(4096).optional() }).loose();

export const runParams = z.object({ key: z.string().max(200) });
export const unitParams = z.object({ key: z.string().max(200), code: z.string().max(200) });
export const csrfBody = z.object({ csrf: z.string().optional() }).loose();
