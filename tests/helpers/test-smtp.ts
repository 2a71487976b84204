import { SMTPServer } from 'smtp-server';
import { onFreePort } from './ports';

export interface Received {
  from: string;
  to: string[];
  raw: string;
  messageId: string;
  kind: string;
}

/** The plain-text body of a raw message as nodemailer writes it (one text/plain part, quoted-printable or base64). */
export function textOf(raw: string): string {
  const m = /(^|\r?\n)Content-Type: text\/plain[^\r\n]*((?:\r?\n[^\r\n]+)*)\r?\n\r?\n([\s\S]*?)(?=\r?\n--|$)/i.exec(
    raw,
  );
  if (!m) throw new Error('no text/plain part');
  const headers = m[2]!;
  const body = m[3]!;
  const encoding = /Content-Transfer-Encoding:\s*(\S+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body).replace(/\r\n/g, '\n');
  return body.replace(/\r\n/g, '\n');
}

function decodeQuotedPrintable(s: string): string {
  const text = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * A real SMTP server we control: it refuses chosen addresses with 550, can go down and come back on the
 * same port, and can run a hook when a message's data has arrived (before answering 250).
 */
export class TestSmtp {
  readonly received: Received[] = [];
  readonly refuse = new Set<string>();
  onData?: (msg: Received) => Promise<void> | void;
  private server?: SMTPServer;

  constructor(readonly port: number) {}

  /** On a port of its own (kept for `up()` after `down()`); a port taken before the bind is tried again. */
  static create(): Promise<TestSmtp> {
    return onFreePort(async (port) => {
      const s = new TestSmtp(port);
      await s.up();
      return s;
    });
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }

  up(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      // A killed worker leaves its pooled connection open: do not wait for it when going down.
      closeTimeout: 500,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, cb) => {
        if (this.refuse.has(address.address)) {
          const err = Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), {
            responseCode: 550,
          });
          return cb(err);
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          // Headers unfolded: a long Message-ID goes on a continuation line.
          const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
          const msg: Received = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            messageId: /^Message-ID:(.*)$/im.exec(head)?.[1]?.trim() ?? '',
            kind: /^X-Chidao-Kind:(.*)$/im.exec(head)?.[1]?.trim() ?? '',
          };
          // A test's hook that throws answers the message with an error rather than leave SMTP waiting.
          Promise.resolve(this.onData?.(msg)).then(
            () => {
              this.received.push(msg);
              cb();
            },
            (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))),
          );
        });
      },
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
}
