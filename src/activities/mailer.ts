import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

export interface OutgoingMail {
  messageId: string;
  from: string;
  to: string[];
  replyTo: string[];
  subject: string;
  text: string;
  html: string;
  attachments?: { filename: string; content: string | Buffer; contentType?: string }[];
  headers?: Record<string, string>;
}

export interface SendOutcome {
  accepted: string[];
  rejected: string[];
  response: string;
}

/** A permanent refusal (5xx, malformed address): retrying cannot help. */
export class RecipientRejected extends Error {
  override readonly name = 'RecipientRejected';
}

/**
 * The mail server did not take the message for a reason of its own: unreachable, timed out, dropped
 * the connection, answered 4xx, or refused our login or sender (5xx to AUTH or MAIL FROM, which the
 * operator fixes). Sending is stalled, not wrong: retry, and tell the Office why its mail waits.
 */
export class SmtpUnavailable extends Error {
  override readonly name = 'SmtpUnavailable';
  constructor(
    message: string,
    readonly code?: string,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SendOutcome>;
  close(): void;
}

/**
 * Pooled SMTP from a URL (smtp:// or smtps://, auth in the URL, ?requireTLS=true for STARTTLS), with a
 * send rate per second so a large run does not trip the provider's throttle.
 */
export function createSmtpMailer(opts: { url: string; rate: number; poolSize: number }): Mailer {
  const u = new URL(opts.url);
  const transport: Transporter<SMTPPool.SentMessageInfo> = nodemailer.createTransport({
    pool: true,
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 25)),
    secure: u.protocol === 'smtps:',
    requireTLS: u.searchParams.get('requireTLS') === 'true',
    ignoreTLS: u.searchParams.get('ignoreTLS') === 'true',
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    maxConnections: opts.poolSize,
    rateDelta: 1000,
    rateLimit: Math.max(1, Math.round(opts.rate)),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  } as SMTPPool.Options);
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({
          messageId: mail.messageId,
          from: mail.from,
          to: mail.to,
          replyTo: mail.replyTo,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          attachments: mail.attachments,
          headers: mail.headers,
        });
        const rejected = (info.rejected ?? []).map(String);
        return { accepted: (info.accepted ?? []).map(String), rejected, response: info.response ?? '' };
      } catch (e) {
        throw classify(e);
      }
    },
    close: () => transport.close(),
  };
}

/** Failures of the connection or the server itself, by nodemailer's code or Node's errno. */
const SERVER_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EAUTH',
  'ENOAUTH',
  'EPROXY',
  'EREQUIRETLS',
]);
const NET_ERRNO =
  /^E(CONNREFUSED|CONNRESET|CONNABORTED|HOSTUNREACH|NETUNREACH|HOSTDOWN|PIPE|TIMEDOUT|AI_AGAIN|NOTFOUND)$/;

/**
 * 5xx answers about a recipient and addresses that cannot be sent to are permanent; the server being
 * away or busy is an outage, retried; anything else (a bug) stays a plain error, retried and logged.
 */
export function classify(e: unknown): Error {
  const err = e as {
    responseCode?: number;
    code?: string;
    errno?: string;
    command?: string;
    message?: string;
    response?: string;
  };
  // A 5xx to RCPT TO or DATA is about this recipient or message; a 5xx to AUTH or MAIL FROM is our
  // own configuration, which the operator fixes while the activity keeps retrying.
  const aboutRecipient = err.command === 'RCPT TO' || err.command === 'DATA';
  const code = err.responseCode;
  if ((code && code >= 500 && aboutRecipient) || (err.code === 'EENVELOPE' && !code)) {
    return new RecipientRejected(err.response ?? err.message ?? 'địa chỉ bị từ chối');
  }
  const text = (err.response ?? err.message ?? String(e)).split('\n')[0]!.trim();
  if (
    (code && code >= 400) ||
    SERVER_CODES.has(err.code ?? '') ||
    NET_ERRNO.test(err.code ?? '') ||
    NET_ERRNO.test(String(err.errno ?? ''))
  ) {
    return new SmtpUnavailable(text, err.code, code);
  }
  return e instanceof Error ? e : new Error(String(e));
}
