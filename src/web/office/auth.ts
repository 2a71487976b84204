import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorPage, PageError, sendPage, type WebDeps } from '../context';
import { csrfBody, formText } from '../forms-schema';
import { html, type Html } from '../html';
import { cookieOptions, type OfficeSessionCookies } from '../plugins/session';
import { safeEqual, type Session } from '../session';

const LOGIN_COOKIE = 'chidao_login';
const MAX_NAME = 200;

export const officeNav = (sessions: OfficeSessionCookies, s?: Session): Html =>
  s
    ? html`<a href="/office">Các đợt gửi</a><span>${s.name}</span>
        <form method="post" action="/office/logout">
          <input type="hidden" name="csrf" value="${sessions.csrf(s)}" /><button type="submit">Đăng xuất</button>
        </form>`
    : html``;

const safeNext = (n: string) => (/^\/office(\/|$|\?)/.test(n) && n.length < 500 ? n : '/office');

/** The login form and its POST: a nonce cookie against login CSRF, ten tries per address in 15 minutes. */
export function loginRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const https = deps.config.CHIDAO_PUBLIC_URL.startsWith('https:');
  const loginForm = (reply: FastifyReply, next: string, error?: string, status = 200, name = '') => {
    const nonce = randomBytes(16).toString('base64url');
    reply.setCookie(LOGIN_COOKIE, nonce, { ...cookieOptions(https, '/office/login'), maxAge: 1800 });
    return sendPage(
      reply,
      'Đăng nhập — Văn phòng',
      html`${error ? html`<div class="notice bad" role="alert"><p>${error}</p></div>` : ''}
        <form class="stack" method="post" action="/office/login">
          <input type="hidden" name="nonce" value="${nonce}" /><input type="hidden" name="next" value="${next}" />
          <label for="name">Họ tên người thao tác</label
          ><input
            id="name"
            name="name"
            type="text"
            autocomplete="name"
            maxlength="${MAX_NAME}"
            value="${name}"
            required
          />
          <label for="password">Mật khẩu</label
          ><input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit">Đăng nhập</button>
        </form>`,
      { status },
    );
  };

  r.get(
    '/office/login',
    { schema: { querystring: z.object({ next: z.string().optional() }).loose() } },
    async (req, reply) => loginForm(reply, safeNext(req.query.next ?? '/office')),
  );

  r.post(
    '/office/login',
    {
      // Ten tries per address in 15 minutes, whatever their outcome; the limiter's store is bounded.
      config: { rateLimit: { max: 10, timeWindow: '15 minutes' } },
      schema: { body: z.object({ next: formText, name: formText, nonce: formText, password: formText }).loose() },
    },
    async (req, reply) => {
      const next = safeNext(req.body.next);
      const name = req.body.name.slice(0, MAX_NAME);
      const nonce = req.cookies[LOGIN_COOKIE] ?? '';
      if (!nonce || !safeEqual(nonce, req.body.nonce))
        return loginForm(reply, next, 'Phiên đăng nhập đã cũ; hãy nhập lại.', 403, name);
      if (!safeEqual(req.body.password, deps.config.CHIDAO_OFFICE_PASSWORD!) || !name)
        return loginForm(reply, next, 'Sai mật khẩu hoặc thiếu họ tên.', 401, name);
      sessions.start(reply, name);
      reply.clearCookie(LOGIN_COOKIE, cookieOptions(https, '/office/login'));
      return reply.redirect(next, 303);
    },
  );
}

/**
 * The guard of every route registered in the guarded plugin, whatever spelling of the URL reached it:
 * a live session first (before the body is even validated), then the CSRF token of every POST.
 */
export function guard(app: FastifyInstance, sessions: OfficeSessionCookies): void {
  app.addHook('onRequest', async (req, reply) => {
    const s = sessions.read(req);
    if (!s) {
      if (req.method === 'GET') return reply.redirect(`/office/login?next=${encodeURIComponent(req.url)}`, 303);
      return errorPage(
        reply,
        new PageError(401, 'Cần đăng nhập', 'Phiên làm việc đã hết hoặc đã đăng xuất. Hãy đăng nhập lại.'),
      );
    }
    req.session = s;
    req.pageNav = officeNav(sessions, s);
  });
  app.addHook('preValidation', async (req, reply) => {
    if (req.method !== 'POST' || !req.session) return;
    if (!sessions.csrfValid(req.session, csrfBody.safeParse(req.body ?? {}).data?.csrf))
      return errorPage(
        reply,
        new PageError(
          403,
          'Yêu cầu bị từ chối',
          'Biểu mẫu đã cũ hoặc không gửi từ trang của hệ thống (thiếu mã chống giả mạo). Hãy tải lại trang và làm lại.',
        ),
        officeNav(sessions, req.session),
      );
  });
}

/** The session a handler acts under; a route that somehow ran without one refuses. */
export function sessionOf(req: { session?: Session }): Session {
  if (!req.session)
    throw new PageError(401, 'Cần đăng nhập', 'Phiên làm việc đã hết hoặc đã đăng xuất. Hãy đăng nhập lại.');
  return req.session;
}

export function logoutRoute(app: FastifyInstance, sessions: OfficeSessionCookies): void {
  app.post('/office/logout', async (req, reply) => {
    sessions.end(req, reply);
    return reply.redirect('/office/login', 303);
  });
}
