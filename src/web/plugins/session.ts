import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import { requireSecret, type Config } from '../../config';
import { safeEqual, SessionStore, type Session } from '../session';
import type { Html } from '../html';
import type { Accounts } from '../../accounts/accounts';
import type { AccountView } from '../../accounts/account';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Office's session, set by the guard of the Office's routes. */
    session?: Session;
    /** The account behind the session, read afresh on every request (roles, active, password change). */
    account?: AccountView;
    /** The header links of the page a failure is shown on (the Office's, once logged in). */
    pageNav?: Html;
  }
}

export const SESSION_COOKIE = 'chidao_session';
/** An Office session lasts a working day at most, whatever the idle timeout. */
const SESSION_TTL_MS = 8 * 3600_000;

/**
 * The session store, when the dashboard is on (a session secret is set); it refuses to start on a weak
 * or shared secret. Who may log in is the account store's business.
 */
export function officeSessions(config: Config): SessionStore | undefined {
  if (!config.CHIDAO_SESSION_SECRET) return undefined;
  const secret = requireSecret(config.CHIDAO_SESSION_SECRET, 'CHIDAO_SESSION_SECRET');
  if (secret === config.CHIDAO_LINK_SECRET)
    throw new Error('CHIDAO_SESSION_SECRET phải khác CHIDAO_LINK_SECRET: mỗi khóa chỉ dùng cho một việc.');
  return new SessionStore({
    file: join(config.CHIDAO_DATA_DIR, 'office-sessions.json'),
    secret,
    idleMs: config.CHIDAO_SESSION_IDLE_MINUTES * 60_000,
    ttlMs: SESSION_TTL_MS,
  });
}

/** Cookies only for the Office's paths, never readable by script, never sent cross-site. */
export const cookieOptions = (https: boolean, path = '/office') => ({
  path,
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: https,
});

/**
 * The Office's sessions over @fastify/cookie: the cookie holds a random token, and our server-side
 * SessionStore says what it means, so logging out ends a session at once, an idle one expires and a
 * password change ends them all. (@fastify/session would keep the same server-side record, but with its
 * own store interface and signed cookie; ours also keeps sessions across restarts and `chidao serve`
 * processes sharing a data folder, and checks the account on every request.)
 */
export class OfficeSessionCookies {
  constructor(
    readonly store: SessionStore,
    readonly accounts: Accounts,
    private readonly https: boolean,
    private readonly now: () => number,
  ) {}

  /**
   * The live session behind the request's cookie and its account, if both still hold: a disabled
   * account, or one whose password or roles changed, ends the session on its next request.
   */
  async read(req: FastifyRequest): Promise<{ session: Session; account: AccountView } | undefined> {
    const token = req.cookies[SESSION_COOKIE];
    const session = this.store.read(token, this.now(), () => true);
    if (!session) return undefined;
    const account = await this.accounts.current(session.login, session.generation);
    if (!account) {
      this.store.destroy(token, this.now());
      return undefined;
    }
    return { session, account };
  }

  start(reply: FastifyReply, account: AccountView): void {
    reply.setCookie(SESSION_COOKIE, this.store.create(account, this.now()), {
      ...cookieOptions(this.https),
      maxAge: SESSION_TTL_MS / 1000,
    });
  }

  end(req: FastifyRequest, reply: FastifyReply): void {
    this.store.destroy(req.cookies[SESSION_COOKIE], this.now());
    reply.clearCookie(SESSION_COOKIE, cookieOptions(this.https));
  }

  /**
   * The session's CSRF token: an HMAC of the session id under the session secret. We keep it rather than
   * @fastify/csrf-protection, whose secret lives either in a cookie (double submit, which outlives a
   * logout) or in @fastify/session; this one is bound to the server-side session and dies with it.
   */
  csrf(s: Session): string {
    return this.store.csrf(s);
  }

  csrfValid(s: Session, token: unknown): boolean {
    return typeof token === 'string' && safeEqual(token, this.store.csrf(s));
  }
}

export async function cookies(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
}
