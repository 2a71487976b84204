import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorPage, PageError, sendPage, type WebDeps } from '../context';
import { csrfBody, formText } from '../forms-schema';
import { html, type Html } from '../html';
import { cookieOptions, type OfficeSessionCookies } from '../plugins/session';
import { safeEqual, type Session } from '../session';
import { AccountRefusal, signature } from '../../accounts/accounts';
import type { AccountView } from '../../accounts/account';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../accounts/password';
import { can, refusalFor, roleNames, type Permission } from '../../domain/staff-roles';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What a guarded route needs: a permission, or `self` for the person's own session (logout, password).
     * A guarded route that declares nothing is refused: a new route cannot be left open by forgetting.
     */
    permission?: Permission | 'self';
  }
}

const LOGIN_COOKIE = 'chidao_login';
const PASSWORD_PATH = '/office/password';

/** A password as typed: never trimmed or normalised here (the hash does NFC), only bounded. */
const passwordText = z
  .string()
  .max(MAX_PASSWORD_LENGTH * 4)
  .optional()
  .transform((v) => v ?? '');

export const officeNav = (sessions: OfficeSessionCookies, s?: Session, a?: AccountView): Html =>
  s
    ? html`<a href="/office">Các đợt gửi</a
        >${a && can(a.roles, 'units.follow-up') ? html`<a href="/office/work">Việc cần làm</a>` : ''}<a
          href="/office/inbound"
          >Thư đến</a
        ><a href="/office/registries">Danh mục</a
        ><a href="/office/policies">Độ khẩn</a
        >${a && can(a.roles, 'admin') ? html`<a href="/office/accounts">Tài khoản</a>` : ''}<span
          title="${a ? roleNames(a.roles) : ''}"
          >${s.name} (${s.login})</span
        >${a?.sso ? '' : html`<a href="${PASSWORD_PATH}">Đổi mật khẩu</a>`}
        <form method="post" action="/office/logout">
          <input type="hidden" name="csrf" value="${sessions.csrf(s)}" /><button type="submit">Đăng xuất</button>
        </form>`
    : html``;

const safeNext = (n: string) => (/^\/office(\/|$|\?)/.test(n) && n.length < 500 ? n : '/office');

/** The login form and its POST: a nonce cookie against login CSRF, ten tries per address in 15 minutes. */
export function loginRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies, sso = false): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const https = deps.config.CHIDAO_PUBLIC_URL.startsWith('https:');
  const loginForm = async (reply: FastifyReply, next: string, error?: string, status = 200, login = '') => {
    const nonce = randomBytes(16).toString('base64url');
    reply.setCookie(LOGIN_COOKIE, nonce, { ...cookieOptions(https, '/office/login'), maxAge: 1800 });
    const none = sso
      ? ''
      : (await deps.accounts.empty())
        ? html`<div class="notice bad" role="alert">
            <p>
              Chưa có tài khoản nào. Quản trị viên tạo tài khoản đầu tiên tại máy chủ:
              <code>chidao user add &lt;tên đăng nhập&gt; --name "&lt;họ tên&gt;" --role quan-tri</code>
            </p>
          </div>`
        : '';
    return sendPage(
      reply,
      'Đăng nhập — Văn phòng',
      html`${none}${error ? html`<div class="notice bad" role="alert"><p>${error}</p></div>` : ''}
        <form class="stack" method="post" action="/office/login">
          <input type="hidden" name="nonce" value="${nonce}" /><input type="hidden" name="next" value="${next}" />
          <label for="login">Tên đăng nhập</label
          ><input
            id="login"
            name="login"
            type="text"
            autocomplete="username"
            autocapitalize="none"
            maxlength="64"
            value="${login}"
            required
          />
          <label for="password">Mật khẩu</label
          ><input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit">Đăng nhập</button>
        </form>
        ${
          sso
            ? html`<p>
                <a class="button" href="/office/login/oidc?next=${encodeURIComponent(next)}"
                  >Đăng nhập bằng tài khoản của cơ quan</a
                >
              </p>`
            : ''
        }`,
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
      // Each account also locks after five wrong passwords in a row (Accounts.login).
      config: { rateLimit: { max: 10, timeWindow: '15 minutes' } },
      schema: {
        body: z.object({ next: formText, login: formText, nonce: formText, password: passwordText }).loose(),
      },
    },
    async (req, reply) => {
      const next = safeNext(req.body.next);
      const login = req.body.login.slice(0, 64);
      const nonce = req.cookies[LOGIN_COOKIE] ?? '';
      if (!nonce || !safeEqual(nonce, req.body.nonce))
        return loginForm(reply, next, 'Phiên đăng nhập đã cũ; hãy nhập lại.', 403, login);
      const outcome = await deps.accounts.login(login, req.body.password);
      if (!outcome.ok) return loginForm(reply, next, outcome.reason, 401, login);
      sessions.start(reply, outcome.account);
      reply.clearCookie(LOGIN_COOKIE, cookieOptions(https, '/office/login'));
      return reply.redirect(outcome.account.mustChangePassword ? PASSWORD_PATH : next, 303);
    },
  );
}

const loginAgain = new PageError(
  401,
  'Cần đăng nhập',
  'Phiên làm việc đã hết, đã đăng xuất, hoặc tài khoản vừa đổi mật khẩu, vai trò hay bị khóa. Hãy đăng nhập lại.',
);

/**
 * The guard of every route registered in the guarded plugin, whatever spelling of the URL reached it: a
 * live session of an active, unchanged account first (before the body is even read), then the route's
 * permission, then the CSRF token of every POST.
 */
export function guard(app: FastifyInstance, sessions: OfficeSessionCookies): void {
  app.addHook('onRequest', async (req, reply) => {
    const found = await sessions.read(req);
    if (!found) {
      if (req.method === 'GET') return reply.redirect(`/office/login?next=${encodeURIComponent(req.url)}`, 303);
      return errorPage(reply, loginAgain);
    }
    const { session, account } = found;
    req.session = session;
    req.account = account;
    req.pageNav = officeNav(sessions, session, account);
    const need = req.routeOptions.config.permission;
    if (need === 'self') return;
    if (account.mustChangePassword) {
      if (req.method === 'GET') return reply.redirect(PASSWORD_PATH, 303);
      return errorPage(reply, new PageError(403, 'Cần đổi mật khẩu', 'Hãy đổi mật khẩu tạm trước khi làm việc.'));
    }
    // An unmatched URL has no route to ask; the not-found page answers it.
    if (req.routeOptions.url === undefined) return;
    if (!need || !can(account.roles, need))
      return errorPage(
        reply,
        new PageError(403, 'Không có quyền', need ? refusalFor(need) : 'Trang này chưa khai báo quyền truy cập.'),
        req.pageNav,
      );
  });
  app.addHook('preValidation', async (req, reply) => {
    if (req.method !== 'POST' || !req.session) return;
    // A multipart form (an upload) is read by its handler, after this hook: its token rides in the URL.
    const multipart = String(req.headers['content-type'] ?? '').startsWith('multipart/');
    const token = multipart
      ? csrfBody.safeParse(req.query ?? {}).data?.csrf
      : csrfBody.safeParse(req.body ?? {}).data?.csrf;
    if (!sessions.csrfValid(req.session, token))
      return errorPage(
        reply,
        new PageError(
          403,
          'Yêu cầu bị từ chối',
          'Biểu mẫu đã cũ hoặc không gửi từ trang của hệ thống (thiếu mã chống giả mạo). Hãy tải lại trang và làm lại.',
        ),
        req.pageNav,
      );
  });
}

/** The session a handler acts under; a route that somehow ran without one refuses. */
export function sessionOf(req: { session?: Session }): Session {
  if (!req.session) throw loginAgain;
  return req.session;
}

/** The header of a guarded page, as the guard made it for this person (their roles decide its links). */
export const navOf = (req: FastifyRequest): Html => req.pageNav ?? html``;

/** Whether the logged-in person's roles grant a permission: pages show only the forms they may use. */
export const mayAct = (req: FastifyRequest, p: Permission): boolean => !!req.account && can(req.account.roles, p);

/** How the logged-in person signs an act in the audit trail: name and login. */
export const signedBy = (req: FastifyRequest): string => signature(sessionOf(req));

export function logoutRoute(app: FastifyInstance, sessions: OfficeSessionCookies): void {
  app.post('/office/logout', { config: { permission: 'self' } }, async (req, reply) => {
    sessions.end(req, reply);
    return reply.redirect('/office/login', 303);
  });
}

/** The person's own password: required at first login and after a reset, open to anyone at any time. */
export function passwordRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const form = (req: FastifyRequest, reply: FastifyReply, error?: string, status = 200) => {
    const s = sessionOf(req);
    const first = req.account?.mustChangePassword;
    return sendPage(
      reply,
      'Đổi mật khẩu',
      html`${
          first
            ? html`<div class="notice" role="status"><p>Đây là mật khẩu tạm: hãy đặt mật khẩu của riêng bạn.</p></div>`
            : ''
        }${error ? html`<div class="notice bad" role="alert"><p>${error}</p></div>` : ''}
        <form class="stack" method="post" action="${PASSWORD_PATH}">
          <input type="hidden" name="csrf" value="${sessions.csrf(s)}" />
          <input type="hidden" name="username" value="${s.login}" autocomplete="username" />
          <label for="current">Mật khẩu hiện tại</label
          ><input id="current" name="current" type="password" autocomplete="current-password" required />
          <label for="next">Mật khẩu mới (ít nhất ${MIN_PASSWORD_LENGTH} ký tự; nên là một cụm từ)</label
          ><input id="next" name="next" type="password" autocomplete="new-password" required />
          <label for="repeat">Nhập lại mật khẩu mới</label
          ><input id="repeat" name="repeat" type="password" autocomplete="new-password" required />
          <button type="submit">Đổi mật khẩu</button>
        </form>`,
      { status, ...(req.pageNav ? { nav: req.pageNav } : {}) },
    );
  };
  r.get(PASSWORD_PATH, { config: { permission: 'self' } }, async (req, reply) => form(req, reply));
  r.post(
    PASSWORD_PATH,
    {
      config: { permission: 'self', rateLimit: { max: 10, timeWindow: '15 minutes' } },
      schema: { body: z.object({ current: passwordText, next: passwordText, repeat: passwordText }).loose() },
    },
    async (req, reply) => {
      const s = sessionOf(req);
      if (req.body.next !== req.body.repeat) return form(req, reply, 'Hai lần nhập mật khẩu mới không khớp.', 422);
      try {
        const account = await deps.accounts.changePassword(s.login, req.body.current, req.body.next);
        // The change ended every session of the account, this one included: start a fresh one.
        sessions.end(req, reply);
        sessions.start(reply, account);
        return reply.redirect('/office', 303);
      } catch (e) {
        if (e instanceof AccountRefusal) return form(req, reply, e.message, 422);
        throw e;
      }
    },
  );
}
