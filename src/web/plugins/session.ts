import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import { requireSecret, type Config } from '../../config';
import { safeEqual, SessionStore, type Session } from '../session';
import type { Html } from '../html';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Office's session, set by the guard of the Office's routes. */
    session?: Session;
    /** The header links of the page a failure is shown on (the Office's, once logged in). */
    pageNav?: Html;
  }
}

export const SESSION_COOKIE = 'chidao_session';
/** An Office session lasts a working day at most, whatever the idle timeout. */
const SESSION_TTL_MS = 8 * 3600_000;

/** The session store, when the dashboard is on; it refuses to start on a missing or shared secret. */
export function officeSessions(config: Config): SessionStore | undefined {
  if (!config.CHIDAO_OFFICE_PASSWORD) return undefined;
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
 * processes sharing a data folder.)
 */
export class OfficeSessionCookies {
  constructor(
    readonly store: SessionStore,
    private readonly password: string,
    private readonly https: boolean,
    private readonly now: () => number,
  ) {}

  /** The live session behind the request's cookie, if any. */
  read(req: FastifyRequest): Session | undefined {
    return this.store.read(req.cookies[SESSION_COOKIE], this.password, this.now());
  }

  start(reply: FastifyReply, name: string): void {
    reply.setCookie(SESSION_COOKIE, this.store.create(name, this.password, this.now()), {
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
