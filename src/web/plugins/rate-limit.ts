import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { PageError } from '../context';

/**
 * @fastify/rate-limit with no global limit: each route that needs one says so (the login, the units'
 * acts). The store is an LRU of 10,000 keys, so a flood of addresses never grows it without bound.
 */
export async function rateLimits(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    cache: 10_000,
    errorResponseBuilder: (_req, ctx) =>
      new PageError(
        429,
        'Quá nhiều yêu cầu',
        `Có quá nhiều yêu cầu trong thời gian ngắn; xin thử lại sau ${Math.ceil(ctx.ttl / 60_000)} phút.`,
      ),
  });
}
