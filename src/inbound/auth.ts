import { promises as dns } from 'node:dns';
import { authenticate, type DNSResolver } from 'mailauth';

/** DKIM and SPF as mailauth finds them, and the receiving server's own Authentication-Results. */
export interface AuthVerdict {
  dkim: string;
  spf: string;
  header: string;
}

const resolver = new dns.Resolver({ timeout: 3000, tries: 2 });
const resolve: DNSResolver = (name, rrtype) => resolver.resolve(name, rrtype) as Promise<string[][] | string[]>;

/**
 * Checks the message's DKIM signatures and its sender's SPF record (from the Received header the Office's
 * server wrote). Without DNS the answers are "temperror" or "none": recorded, not acted on.
 */
export async function verifyAuth(raw: Buffer, header: string): Promise<AuthVerdict> {
  try {
    const r = await authenticate(raw, {
      trustReceived: true,
      disableArc: true,
      disableBimi: true,
      disableDmarc: true,
      resolver: resolve,
    });
    const dkim = r.dkim?.results?.map((x) => x.status?.result ?? 'none').join(',') || 'none';
    const spf = r.spf ? (r.spf.status?.result ?? 'none') : 'none';
    return { dkim, spf, header };
  } catch {
    return { dkim: 'temperror', spf: 'temperror', header };
  }
}

/** "dkim=fail", "spf=softfail", … from an Authentication-Results value (RFC 8601). */
function headerResults(header: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [, method, result] of header.matchAll(/\b(dkim|spf|dmarc)\s*=\s*([a-z]+)/gi))
    if (!out.has(method!.toLowerCase())) out.set(method!.toLowerCase(), result!.toLowerCase());
  return out;
}

/** Why the message fails authentication, in Vietnamese, or undefined when nothing failed. */
export function authFailure(v: AuthVerdict): string | undefined {
  const failed = [...headerResults(v.header)].filter(([, r]) => r === 'fail').map(([m]) => m.toUpperCase());
  if (v.dkim.split(',').includes('fail')) failed.push('DKIM (mailauth)');
  if (v.spf === 'fail') failed.push('SPF (mailauth)');
  return failed.length ? `kiểm tra xác thực thư không đạt: ${[...new Set(failed)].join(', ')}` : undefined;
}

/**
 * Whether the sender is proven: DKIM or SPF passed by mailauth, or by the receiving server when its
 * Authentication-Results names `authServId` (a header anyone else wrote proves nothing).
 */
export function authPassed(v: AuthVerdict, authServId?: string): boolean {
  if (v.dkim.split(',').includes('pass') || v.spf === 'pass') return true;
  if (!authServId || v.header.split(';')[0]?.trim().toLowerCase() !== authServId.toLowerCase()) return false;
  const r = headerResults(v.header);
  return r.get('dkim') === 'pass' || r.get('spf') === 'pass' || r.get('dmarc') === 'pass';
}
