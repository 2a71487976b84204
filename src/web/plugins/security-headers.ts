import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

/**
 * Security headers on every answer, pages and errors alike, with @fastify/helmet: our own CSP (no
 * script at all, styles and images from us), no Referer (a unit's link carries its token in the URL),
 * no framing, no MIME sniffing; and no caching unless a route says otherwise (the stylesheet).
 */
export async function securityHeaders(app: FastifyInstance, opts: { https: boolean }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    // Only behind TLS: over plain http (development) a browser ignores it anyway.
    strictTransportSecurity: opts.https ? { maxAge: 31_536_000 } : false,
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
