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
  attachments?: { filename: string; content: string }[];
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

/** 5xx answers and addresses that cannot be sent to are permanent; anything else is worth retrying. */
export function classify(e: unknown): Error {
  const err = e as { responseCode?: number; code?: string; command?: string; message?: string; response?: string };
  // A 5xx to RCPT TO or DATA is about this recipient or message; a 5xx to AUTH or MAIL FROM is our
  // own configuration, which the operator fixes while the activity keeps retrying.
  const aboutRecipient = err.command === 'RCPT TO' || err.command === 'DATA';
  if ((err.responseCode && err.responseCode >= 500 && aboutRecipient) || (err.code === 'EENVELOPE' && !err.responseCode)) {
    return new RecipientRejected(err.response ?? err.message ?? 'địa chỉ bị từ chối');
  }
  return e instanceof Error ? e : new Error(String(e));
}
