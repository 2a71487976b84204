import { join } from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { Client } from '@temporalio/client';
import { requireSecret, type Config } from '../config';
import { LinkSigner } from './links';
import { SessionStore } from './session';
import { CSS } from './html';
import { errorPage, PageError, redactUrl, type WebDeps } from './context';
import { registerUnitPages } from './unit-pages';
import { registerOfficePages } from './office-pages';

/** An Office session lasts a working day at most, whatever the idle timeout. */
const SESSION_TTL_MS = 8 * 3600_000;

/** The session store, when the dashboard is on; it refuses to start on a missing or shared secret. */
function officeSessions(config: Config): SessionStore | undefined {
  if (!config.CHIDAO_OFFICE_PASSWORD) return undefined;
  const secret = requireSecret(config.CHIDAO_SESSION_SECRET, 'CHIDAO_SESSION_SECRET');
  if (secret === config.CHIDAO_LINK_SECRET) throw new Error('CHIDAO_SESSION_SECRET phải khác CHIDAO_LINK_SECRET: mỗi khóa chỉ dùng cho một việc.');
  return new SessionStore({
    file: join(config.CHIDAO_DATA_DIR, 'office-sessions.json'),
    secret,
    idleMs: config.CHIDAO_SESSION_IDLE_MINUTES * 60_000,
    ttlMs: SESSION_TTL_MS,
  });
}

/** `chidao serve`: the units' pages and the Office's dashboard, talking to Temporal and nothing else. */
export async function createWebServer(opts: {
  client: Client;
  config: Config;
  now?: () => number;
  logger?: boolean;
  /** Where the request log goes (tests read it); stdout when `logger` is on. */
  logStream?: NodeJS.WritableStream;
}): Promise<FastifyInstance> {
  const { config } = opts;
  const deps: WebDeps = {
    client: opts.client,
    config,
    links: new LinkSigner(config.CHIDAO_LINK_SECRET, config.CHIDAO_PUBLIC_URL, config.CHIDAO_LINK_TTL_DAYS),
    sessions: officeSessions(config),
    now: opts.now ?? Date.now,
  };
  const logging = opts.logger || opts.logStream;
  const app = fastify({
    logger: logging
      ? {
          ...(opts.logStream ? { stream: opts.logStream } : {}),
          // A unit's token in a logged URL would work for weeks for whoever reads the log.
          serializers: { req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }) },
        }
      : false,
    // Behind a reverse proxy the client's address comes from X-Forwarded-For; trust only loopback by default.
    trustProxy: '127.0.0.1',
    bodyLimit: 256 * 1024,
    // A malformed %-escape in the path gets our page, not Fastify's JSON.
    frameworkErrors: (_err, _req, reply) =>
      errorPage(reply, new PageError(400, 'Địa chỉ không hợp lệ', 'Địa chỉ trang có ký tự mã hóa sai. Hãy mở lại đúng liên kết.')),
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(multipart, { limits: { fileSize: config.CHIDAO_UPLOAD_MAX_BYTES, files: 1 } });
  // Limits are set per route (login, units' acts); the store is an LRU, so it never grows unbounded.
  await app.register(rateLimit, {
    global: false,
    cache: 10_000,
    errorResponseBuilder: (_req, ctx) =>
      new PageError(429, 'Quá nhiều yêu cầu', `Có quá nhiều yêu cầu trong thời gian ngắn; xin thử lại sau ${Math.ceil(ctx.ttl / 60_000)} phút.`),
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    // Unit links carry their token in the URL: never leak it in a Referer.
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.get('/assets/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS));
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/', async (_req, reply) => reply.redirect('/office', 302));

  registerUnitPages(app, deps);
  registerOfficePages(app, deps);

  app.setNotFoundHandler((_req, reply) => errorPage(reply, new PageError(404, 'Không tìm thấy trang', 'Địa chỉ này không có trên hệ thống.')));
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof PageError) return errorPage(reply, err);
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error(err);
    const body = status === 413 ? 'Dữ liệu gửi lên quá lớn.' : status < 500 ? 'Yêu cầu không hợp lệ.' : 'Hệ thống gặp lỗi khi xử lý yêu cầu; chưa có thay đổi nào được ghi nhận nếu không có thông báo thành công. Xin thử lại sau.';
    return errorPage(reply, new PageError(status, status < 500 ? 'Không thực hiện được' : 'Lỗi hệ thống', body));
  });
  return app;
}
