import { Registries } from '../registries/registries';
import fastify, { type FastifyInstance } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
} from 'fastify-type-provider-zod';
import swagger from '@fastify/swagger';
import { apiRoutes } from './api';
import { apiDocsRoute } from './api/docs';
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { openAuditStore } from '../audit/open-store';
import { Accounts } from '../accounts/accounts';
import { openAccountStore } from '../accounts/store';
import { readKeyring } from '../audit/keys';
import type { Config } from '../config';
import { Office } from '../office';
import { LinkSigner } from '../links/signer';
import { CSS } from './html';
import { errorPage, PageError, pageErrorOf, redactUrl, type WebDeps } from './context';
import { securityHeaders } from './plugins/security-headers';
import { cookies, officeSessions } from './plugins/session';
import { forms } from './plugins/forms';
import { rateLimits } from './plugins/rate-limit';
import { unitPages } from './unit/routes';
import { officePages } from './office';

/**
 * `chidao serve`: the units' pages and the Office's dashboard, talking to Temporal (through the Office
 * service) and nothing else. Layers as in fastify/demo: stock plugins first (headers, cookies, forms,
 * rate limits), then the routes in their plugins, then one error handler for every failure.
 */
export async function createWebServer(opts: {
  client: Client;
  config: Config;
  now?: () => number;
  logger?: boolean;
  /** Where the request log goes (tests read it); stdout when `logger` is on. */
  logStream?: NodeJS.WritableStream;
}): Promise<FastifyInstance> {
  const { config } = opts;
  const now = opts.now ?? Date.now;
  const accountStore = openAccountStore(config);
  const deps: WebDeps = {
    client: opts.client,
    office: Office.fromConfig(opts.client, config, now),
    config,
    links: new LinkSigner(config.CHIDAO_LINK_SECRET, config.CHIDAO_PUBLIC_URL, config.CHIDAO_LINK_TTL_DAYS),
    sessions: officeSessions(config),
    accounts: new Accounts(accountStore, now),
    registries: Registries.inDataDir(config.CHIDAO_DATA_DIR, now),
    audit: {
      store: () => openAuditStore(config),
      // Read at each request: a rotation adds a key without a restart.
      keyring: () => {
        const path = config.CHIDAO_AUDIT_KEYRING;
        return path && existsSync(path) ? readKeyring(path) : undefined;
      },
    },
    now,
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
    frameworkErrors: (_err, _req, reply) => {
      void errorPage(
        reply,
        new PageError(400, 'Địa chỉ không hợp lệ', 'Địa chỉ trang có ký tự mã hóa sai. Hãy mở lại đúng liên kết.'),
      );
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // The accounts' PostgreSQL pool, when there is one, ends with the server.
  app.addHook('onClose', async () => accountStore.close?.());
  await securityHeaders(app, { https: config.CHIDAO_PUBLIC_URL.startsWith('https:') });
  await cookies(app);
  await forms(app, { uploadMaxBytes: config.CHIDAO_UPLOAD_MAX_BYTES });
  await rateLimits(app);
  // OpenAPI 3.1 from the API routes' zod schemas; the pages carry no tag and stay out of it.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'chidao — API cho hệ thống khác',
        version: '1',
        description:
          'Khóa API tạo bằng `chidao token add`; gửi kèm `Authorization: Bearer <khóa>`. Lỗi theo RFC 9457 (application/problem+json).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    hideUntagged: true,
    transform: jsonSchemaTransform,
  });

  app.setNotFoundHandler((_req, reply) =>
    errorPage(reply, new PageError(404, 'Không tìm thấy trang', 'Địa chỉ này không có trên hệ thống.')),
  );
  // The one error handler (set before the routes' plugins, which take the handler in place when made): refusals become their page; anything else is logged and said plainly.
  app.setErrorHandler((err, req, reply) => {
    const known = pageErrorOf(err);
    if (known) return errorPage(reply, known, req.pageNav);
    const status = hasZodFastifySchemaValidationErrors(err)
      ? 400
      : ((err as { statusCode?: number }).statusCode ?? 500);
    if (status >= 500) req.log.error(err);
    const body =
      status === 413
        ? 'Dữ liệu gửi lên quá lớn.'
        : status < 500
          ? 'Yêu cầu không hợp lệ.'
          : 'Hệ thống gặp lỗi khi xử lý yêu cầu; chưa có thay đổi nào được ghi nhận nếu không có thông báo thành công. Xin thử lại sau.';
    return errorPage(
      reply,
      new PageError(status, status < 500 ? 'Không thực hiện được' : 'Lỗi hệ thống', body),
      req.pageNav,
    );
  });

  app.get('/assets/app.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS),
  );
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/', async (_req, reply) => reply.redirect('/office', 302));

  app.get('/api/openapi.json', async () => app.swagger());
  apiDocsRoute(app);
  await apiRoutes(app, deps);
  await app.register(async (units) => unitPages(units, deps));
  await officePages(app, deps);

  return app;
}
