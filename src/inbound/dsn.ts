/**
 * Delivery status notifications: RFC 3464's message/delivery-status (Postfix, Exchange, Gmail and
 * most others), and the plain-text bounces some servers still write (qmail's "failure notice").
 */
export interface DsnRecipient {
  address: string;
  /** failed | delayed | delivered | relayed | expanded */
  action: string;
  /** Enhanced status, "5.1.1"; empty when the report gives none. */
  status: string;
  diagnostic: string;
}

const MAX_RECIPIENTS = 100;

/** Header-style fields with continuation lines unfolded, one map per blank-line-separated block. */
function fieldBlocks(text: string): Map<string, string>[] {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split(/\n\s*\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
        if (m && !fields.has(m[1]!.toLowerCase())) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
      }
      return fields;
    })
    .filter((f) => f.size > 0);
}

/** "rfc822; a@b" → "a@b"; "smtp; 550 …" → "550 …". */
const afterType = (v: string | undefined) => (v ?? '').replace(/^[^;]*;\s*/, '').replace(/^<|>$/g, '');

const statusOf = (v: string | undefined) => /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(v ?? '')?.[1] ?? '';

/** The per-recipient blocks of a message/delivery-status body. */
export function parseDeliveryStatus(text: string): DsnRecipient[] {
  const out: DsnRecipient[] = [];
  for (const f of fieldBlocks(text)) {
    const address = afterType(f.get('final-recipient') ?? f.get('original-recipient')).trim();
    if (!address) continue;
    const diagnostic = afterType(f.get('diagnostic-code')).slice(0, 500);
    const status = statusOf(f.get('status')) || statusOf(diagnostic);
    const action = (f.get('action') ?? (status.startsWith('4') ? 'delayed' : 'failed')).toLowerCase();
    out.push({ address, action, status, diagnostic });
    if (out.length >= MAX_RECIPIENTS) break;
  }
  return out;
}

const ADDRESS_RE = /<?([A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,})>?/g;

/**
 * A plain-text bounce: the addresses it names before the copy of the message, and the first enhanced
 * status it gives ("(#5.1.1)", "550 5.1.1"). Only addresses the caller knows as a unit's are acted on.
 */
export function parseTextBounce(text: string, exclude: string[]): DsnRecipient[] {
  const head = text.split(/^-{2,} ?(?:Below this line|Original message|This is a copy)/im)[0] ?? text;
  const status = statusOf(head) || (/\b5\d\d\b/.test(head) ? '5.0.0' : '');
  const skip = new Set(exclude.map((a) => a.toLowerCase()));
  const seen = new Set<string>();
  const out: DsnRecipient[] = [];
  for (const [, address] of head.matchAll(ADDRESS_RE)) {
    const a = address!.toLowerCase();
    if (skip.has(a) || seen.has(a) || /^(mailer-daemon|postmaster)@/i.test(a)) continue;
    seen.add(a);
    const diagnostic =
      head
        .split('\n')
        .find((l) => /\d\.\d{1,3}\.\d|\b5\d\d\b/.test(l))
        ?.trim() ?? '';
    out.push({ address: address!, action: status.startsWith('4') ? 'delayed' : 'failed', status, diagnostic });
    if (out.length >= MAX_RECIPIENTS) break;
  }
  return out;
}
