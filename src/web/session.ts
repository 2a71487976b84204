import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Cookies by hand: two cookies do not justify a dependency. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // A cookie we did not set; ignore it.
    }
  }
  return out;
}

export function serializeCookie(name: string, value: string, opts: { maxAgeSeconds?: number; secure: boolean; path?: string }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${opts.path ?? '/'}`, 'HttpOnly', 'SameSite=Strict'];
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function safeEqual(a: string, b: string): boolean {
  // Hash both so lengths match and the comparison takes the same time whatever the input.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export interface Session {
  /** The staff member's name as typed at login; it signs the Office's acts in the audit trail. */
  name: string;
  exp: number;
  /** Random per login, so a CSRF token is bound to one session. */
  sid: string;
}

/** Stateless sessions: a signed, expiring cookie, and a CSRF token derived from it. */
export class SessionKeeper {
  private readonly key: Buffer;
  constructor(secret: string, readonly ttlSeconds = 8 * 3600) {
    // A key of its own, so a session cookie can never pass as a unit's link or the other way round.
    this.key = createHmac('sha256', secret).update('chidao/office-session').digest();
  }

  private mac(s: string): string {
    return b64(createHmac('sha256', this.key).update(s).digest());
  }

  issue(name: string, now: number): string {
    const payload = b64(JSON.stringify({ name, exp: Math.floor(now / 1000) + this.ttlSeconds, sid: b64(randomBytes(12)) } satisfies Session));
    return `${payload}.${this.mac(payload)}`;
  }

  read(cookie: string | undefined, now: number): Session | undefined {
    if (!cookie) return undefined;
    const [payload, mac] = cookie.split('.');
    if (!payload || !mac || !safeEqual(mac, this.mac(payload))) return undefined;
    try {
      const s = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
      return s.exp * 1000 > now ? s : undefined;
    } catch {
      return undefined;
    }
  }

  csrf(session: Session): string {
    return this.mac(`csrf:${session.sid}`);
  }
}
