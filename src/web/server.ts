import fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { LinkSigner } from './links';
import { SessionKeeper } from './session';
import { CSS } from './html';
import { errorPage, PageError, type WebDeps } from './context';
import { registerUnitPages } from './unit-pages';
import { registerOfficePages } from './office-pages';

/** `chidao serve`: the units' pages and the Office's dashboard, talking to Temporal and nothing else. */
export async function createWebServer(opts: { client: Client; config: Config; now?: () => number; logger?: boolean }): Promise<FastifyInstance> {
  const { config } = opts;
  const deps: WebDeps = {
    client: opts.client,
    config,
    links: new LinkSigner(config.CHIDAO_LINK_SECRET, config.CHIDAO_PUBLIC_URL, config.CHIDAO_LINK_TTL_DAYS),
    sessions: new SessionKeeper(config.CHIDAO_LINK_SECRET),
    now: opts.now ?? Date.now,
  };
  // Behind a reverse proxy the client's address comes from X-Forwarded-For; trust only loopback by default.
  const app = fastify({ logger: opts.logger ?? false, trustProxy: '127.0.0.1', bodyLimit: 1024 * 1024 });
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: config.CHIDAO_UPLOAD_MAX_BYTES, files: 1 } });

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
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error(err);
    const body = status === 413 ? 'Dữ liệu gửi lên quá lớn.' : status < 500 ? 'Yêu cầu không hợp lệ.' : 'Hệ thống gặp lỗi khi xử lý yêu cầu; chưa có thay đổi nào được ghi nhận nếu không có thông báo thành công. Xin thử lại sau.';
    return errorPage(reply, new PageError(status, status < 500 ? 'Không thực hiện được' : 'Lỗi hệ thống', body));
  });
  return app;
}
