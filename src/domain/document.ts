import { z } from 'zod';

/** The signed document of a run as the run and its audit trail name it. */
export const documentRefSchema = z.strictObject({
  fileName: z.string().min(1).max(255),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
  mediaType: z.enum([
    'application/pdf',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.oasis.opendocument.text',
  ]),
});
export type DocumentRef = z.infer<typeof documentRefSchema>;
