import type { Effects } from './unit-effects';
import { LifecycleRefusal, type Actor, type UnitSnapshot } from './unit-model';
import { refuseIfStopped } from './unit-rules';

/** What a delivery status notification said of the unit's addresses, as the inbound mail reader found it. */
export interface Bounce {
  /** The addresses the report names as failed for good (5.x.x); others of the unit are not touched. */
  addresses: string[];
  /** The enhanced status code, "5.1.1". */
  status: string;
  /** The remote server's words, cut to a line. */
  diagnostic: string;
  /** Our Message-ID of the message that came back, and the report's own. */
  messageId: string;
  reportId: string;
}

export const BOUNCE_LIMITS = { addresses: 20, diagnostic: 500, id: 300 } as const;

const lower = (a: string) => a.toLowerCase();

function hits(s: UnitSnapshot, b: Bounce): string[] {
  // In the unit's own spelling: a server may change the case of the address it reports.
  const named = new Set(b.addresses.map(lower));
  return s.unit.emails.filter((e) => named.has(lower(e)));
}

export function checkBounce(s: UnitSnapshot, b: Bounce): void {
  if (
    !Array.isArray(b.addresses) ||
    b.addresses.length > BOUNCE_LIMITS.addresses ||
    typeof b.status !== 'string' ||
    !/^5\.\d{1,3}\.\d{1,3}$/.test(b.status) ||
    typeof b.diagnostic !== 'string' ||
    b.diagnostic.length > BOUNCE_LIMITS.diagnostic ||
    String(b.messageId).length > BOUNCE_LIMITS.id ||
    String(b.reportId).length > BOUNCE_LIMITS.id
  )
    throw new LifecycleRefusal('BadInput', 'Thư báo lỗi không hợp lệ.');
  refuseIfStopped(s);
  if (s.dispatchedAt === undefined) throw new LifecycleRefusal('NotDelivered', 'Văn bản chưa được gửi tới đơn vị.');
  const found = hits(s, b);
  if (!found.length)
    throw new LifecycleRefusal('NotUnitAddress', 'Thư báo lỗi không nói về địa chỉ nào hiện có của đơn vị.');
  const known = new Set((s.rejectedAddresses ?? []).map(lower));
  if (found.every((a) => known.has(lower(a))))
    throw new LifecycleRefusal('AlreadyRefused', 'Các địa chỉ này đã được ghi nhận là không nhận thư.');
}

/**
 * A relay took the mail (250) and the unit's server refused it later, by a DSN. It counts as a 550 at
 * send time: the addresses are marked refused and the Office is told. When none of the unit's addresses
 * is left and the unit has not acknowledged, it is "không gửi được": no reminders go to a dead address,
 * and a corrected address sends the directive again with a new acknowledgement deadline.
 */
export function bounce(s: UnitSnapshot, b: Bounce, by: Actor): Effects {
  checkBounce(s, b);
  const found = hits(s, b);
  const refused = [...new Set([...(s.rejectedAddresses ?? []), ...found])];
  const refusedSet = new Set(refused.map(lower));
  const left = s.unit.emails.filter((e) => !refusedSet.has(lower(e)));
  s.rejectedAddresses = refused;
  s.deliveryError = `thư báo lỗi ${b.status}: ${b.diagnostic}`.slice(0, BOUNCE_LIMITS.diagnostic);
  if (!left.length && s.stage === 'dispatched') s.stage = 'undeliverable';
  const { code, name } = s.unit;
  return {
    audit: {
      kind: 'bounced',
      data: {
        addresses: found,
        status: b.status,
        diagnostic: b.diagnostic,
        messageId: b.messageId,
        reportId: b.reportId,
      },
      actor: by,
    },
    mail: {
      to: { kind: 'office' },
      body: {
        kind: 'undeliverable',
        unit: { code, name },
        addresses: found,
        error: s.deliveryError,
        ...(left.length ? { accepted: left } : {}),
      },
    },
  };
}
