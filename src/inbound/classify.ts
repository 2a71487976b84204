import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { parseDeliveryStatus, parseTextBounce, type DsnRecipient } from './dsn';
import { ourIdsIn, type OurMessage } from './our-ids';

/** What a message in the Office's mailbox is, as far as chidao acts on it. */
export type InboundKind = 'bounce' | 'auto-reply' | 'reply' | 'other';

export interface InboundAttachment {
  fileName: string;
  contentType: string;
  content: Buffer;
}

export interface InboundMessage {
  kind: InboundKind;
  /** The message's own Message-ID, or a hash of its bytes when it has none: the key it is processed once by. */
  messageId: string;
  from: string;
  fromName: string;
  subject: string;
  date?: number;
  /** Our messages it answers (a reply's In-Reply-To/References) or returns (a bounce's copied headers). */
  refs: OurMessage[];
  /** A bounce's recipients, with what happened to each. */
  recipients: DsnRecipient[];
  /** A reply's own words, without the quoted message below them. */
  text: string;
  attachments: InboundAttachment[];
  /** The receiving server's Authentication-Results, as it wrote it. */
  authenticationResults: string;
  /** X-Chidao-Check values a bounce quotes from the message it returns (see LinkSigner.messageCheck). */
  checks: string[];
}

export const INBOUND_LIMITS = { text: 10_000, attachments: 5, subject: 300 } as const;

const AUTO_SUBJECT = /^(auto(matic)? ?reply|auto:|out of (the )?office|vắng mặt|trả lời tự động|thư trả lời tự động)/i;
const BOUNCE_SUBJECT =
  /(undeliver|delivery status notification \((failure|delay)|returned mail|failure notice|delivery (has )?failed|mail delivery failed|không thể gửi|không gửi được)/i;

const header = (m: ParsedMail, name: string): string => {
  const v = m.headers.get(name);
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && 'value' in v) return String((v as { value: unknown }).value);
  return String(v);
};

function isAutoReply(m: ParsedMail): boolean {
  const auto = header(m, 'auto-submitted').toLowerCase();
  const precedence = header(m, 'precedence').toLowerCase();
  return (
    (auto !== '' && auto !== 'no') ||
    m.headers.has('x-autoreply') ||
    m.headers.has('x-autorespond') ||
    ['auto_reply', 'bulk', 'junk'].includes(precedence) ||
    AUTO_SUBJECT.test(m.subject ?? '')
  );
}

/** The reply's own words: quoted lines and everything from an "On … wrote:" / "-----Original Message-----" line on go. */
export function ownWords(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cut = lines.findIndex(
    (l) =>
      /^-{2,}\s*(original message|thư gốc|forwarded message)/i.test(l.trim()) ||
      /^(on|vào) .{4,200}(wrote|viết):\s*$/i.test(l.trim()) ||
      /^from:\s.+/i.test(l.trim()),
  );
  return (cut >= 0 ? lines.slice(0, cut) : lines)
    .filter((l) => !l.startsWith('>'))
    .join('\n')
    .trim()
    .slice(0, INBOUND_LIMITS.text);
}

/**
 * Reads a raw message with mailparser and says what it is. A bounce is told by its report part (RFC 3464)
 * or, for servers that write plain text, by its sender and subject; it is tested before the reply test,
 * since Exchange and Gmail set In-Reply-To on their reports too.
 */
export async function classify(raw: Buffer, domain: string, ownAddresses: string[] = []): Promise<InboundMessage> {
  const m = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextLinks: true });
  const from = m.from?.value[0]?.address ?? '';
  const ownId = m.messageId ?? '';
  const base = {
    messageId: ownId || `<sha256-${createHash('sha256').update(raw).digest('hex')}@inbound>`,
    from,
    fromName: m.from?.value[0]?.name ?? '',
    subject: (m.subject ?? '').slice(0, INBOUND_LIMITS.subject),
    ...(m.date ? { date: m.date.getTime() } : {}),
    authenticationResults: header(m, 'authentication-results').slice(0, 2000),
    recipients: [] as DsnRecipient[],
    text: '',
    attachments: [] as InboundAttachment[],
    checks: [] as string[],
  };
  const status = m.attachments.find(
    (a) => a.contentType === 'message/delivery-status' || a.contentType === 'message/global-delivery-status',
  );
  const sender = /^(mailer-daemon|postmaster)@/i.test(from);
  if (status || sender || BOUNCE_SUBJECT.test(m.subject ?? '')) {
    // The returned copy names our message; the report's own id and references are not the original's.
    const all = raw.toString('utf8').replace(ownId, '');
    const recipients = status
      ? parseDeliveryStatus(status.content.toString('utf8'))
      : parseTextBounce(m.text ?? '', [...ownAddresses, from]);
    const checks = [...all.matchAll(/^X-Chidao-Check:[ \t]*([A-Za-z0-9_-]{8,64})/gim)].map((c) => c[1]!).slice(0, 20);
    if (recipients.length) return { ...base, kind: 'bounce', refs: ourIdsIn(all, domain), recipients, checks };
  }
  const threadIds = [m.inReplyTo ?? '', ...[m.references ?? []].flat()].join(' ');
  const refs = ourIdsIn(threadIds, domain);
  if (isAutoReply(m)) return { ...base, kind: 'auto-reply', refs };
  if (!refs.length) return { ...base, kind: 'other', refs };
  const attachments = m.attachments
    .filter((a) => a.contentDisposition !== 'inline' && !a.related && a.filename)
    .slice(0, INBOUND_LIMITS.attachments)
    .map((a) => ({ fileName: a.filename!, contentType: a.contentType, content: a.content }));
  return { ...base, kind: 'reply', refs, text: ownWords(m.text ?? ''), attachments };
}
