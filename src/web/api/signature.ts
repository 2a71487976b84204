import type { FastifyRequest } from 'fastify';

/** How a system signs its acts in the audit trail: its token's name and id. */
export const apiSignature = (req: FastifyRequest): string =>
  req.apiToken ? `${req.apiToken.name} (khóa API ${req.apiToken.id})` : 'API';
