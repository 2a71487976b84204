import { createHmac, timingSafeEqual } from 'node:crypto';
import { requireSecret } from '../config';

/**
 * Signed links: HMAC-SHA256 over (run, unit, action, expiry, generation) with a server secret. A link is
 * bound to one unit, one action and the unit's current link generation; changing any part, waiting past
 * the expiry, or an address correction (which bumps the generation) makes it invalid.
 */
export type LinkAction = 'acknowledge' | 'report' | 'status';

export interface LinkClaims {
  run: string;
  unit: string;
  action: LinkAction;
  /** Expiry, epoch seconds. */
  exp: number;
  /** The unit's link generation when the link was made; links from before generations are 0. */
  gen: number;
}

/** What a link lets its holder do and see: its own action, and the unit's status. Never another action. */
export function linkAllows(claims: Pick<LinkClaims, 'action'>, action: LinkAction): boolean {
  return action === claims.action || action === 'status';
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const ACTIONS: readonly string[] = ['acknowledge', 'report', 'status'];

export class LinkSigner {
  private readonly secret: string;
  constructor(
    secret: string | undefined,
    private readonly baseUrl: string,
    private readonly ttlDays: number,
  ) {
    this.secret = requireSecret(secret, 'CHIDAO_LINK_SECRET');
  }

  /**
   * The value of X-Chidao-Check on an outgoing message: a bounce must quote it back (in the returned
   * headers) to be believed, so no one who never saw a unit's mail can declare its address dead.
   */
  messageCheck(messageId: string): string {
    return this.mac(`mail-check|${messageId}`).slice(0, 22);
  }

  private mac(payload: string): string {
    return b64(createHmac('sha256', this.secret).update(payload).digest());
  }

  token(claims: Omit<LinkClaims, 'gen'> & { gen?: number }): string {
    // Generation 0 keeps the four-part payload, so links mailed before generations existed stay valid.
    const parts: unknown[] = [claims.run, claims.unit, claims.action, claims.exp];
    if (claims.gen) parts.push(claims.gen);
    const payload = b64(JSON.stringify(parts));
    return `${payload}.${this.mac(payload)}`;
  }

  url(run: string, unit: string, action: LinkAction, now: number, gen = 0): string {
    const exp = Math.floor(now / 1000 + this.ttlDays * 86400);
    return `${this.baseUrl.replace(/\/$/, '')}/u/${action}?t=${this.token({ run, unit, action, exp, gen })}`;
  }

  /** The claims of a valid, unexpired token; otherwise why not. */
  verify(
    token: string,
    now: number,
  ): { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' } {
    if (token.length > 2048) return { ok: false, reason: 'malformed' };
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return { ok: false, reason: 'malformed' };
    const want = Buffer.from(this.mac(payload));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'forged' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!Array.isArray(parsed) || parsed.length < 4 || parsed.length > 5) return { ok: false, reason: 'malformed' };
    const [run, unit, action, exp, gen = 0] = parsed as unknown[];
    if (
      typeof run !== 'string' ||
      typeof unit !== 'string' ||
      typeof action !== 'string' ||
      !ACTIONS.includes(action) ||
      typeof exp !== 'number' ||
      typeof gen !== 'number'
    )
      return { ok: false, reason: 'malformed' };
    if (exp * 1000 < now) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { run, unit, action: action as LinkAction, exp, gen } };
  }
}
