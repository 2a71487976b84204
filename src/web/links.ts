import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links: HMAC-SHA256 over (run, unit, action, expiry) with a server secret. A link is bound to
 * one unit and one action; changing any part, or waiting past the expiry, makes it invalid.
 */
export type LinkAction = 'acknowledge' | 'report' | 'status';

export interface LinkClaims {
  run: string;
  unit: string;
  action: LinkAction;
  /** Expiry, epoch seconds. */
  exp: number;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class LinkSigner {
  constructor(private readonly secret: string, private readonly baseUrl: string, private readonly ttlDays: number) {}

  private mac(payload: string): string {
    return b64(createHmac('sha256', this.secret).update(payload).digest());
  }

  token(claims: LinkClaims): string {
    const payload = b64(JSON.stringify([claims.run, claims.unit, claims.action, claims.exp]));
    return `${payload}.${this.mac(payload)}`;
  }

  url(run: string, unit: string, action: LinkAction, now: number): string {
    const exp = Math.floor(now / 1000 + this.ttlDays * 86400);
    return `${this.baseUrl.replace(/\/$/, '')}/u/${action}?t=${this.token({ run, unit, action, exp })}`;
  }

  /** The claims of a valid, unexpired token; otherwise why not. */
  verify(token: string, now: number): { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' } {
    const [payload, mac] = token.split('.');
    if (!payload || !mac) return { ok: false, reason: 'malformed' };
    const want = Buffer.from(this.mac(payload));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'forged' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!Array.isArray(parsed) || parsed.length !== 4) return { ok: false, reason: 'malformed' };
    const [run, unit, action, exp] = parsed as [string, string, LinkAction, number];
    if (exp * 1000 < now) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { run, unit, action, exp } };
  }
}
