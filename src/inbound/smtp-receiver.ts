import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { handleInbound, type InboundDeps } from './handle';

export interface SmtpReceiverOptions {
  host: string;
  port: number;
  /** Only recipients at this domain are taken (the subdomain routed to chidao); empty takes any. */
  domain?: string | undefined;
  maxBytes: number;
}

const MAX_RECIPIENTS = 10;

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * chidao as the mail server of a subdomain routed to it (MX): each message is acted on before it is
 * accepted. A failure (Temporal unreachable, a full disk) answers 451, so the sending server keeps the
 * message and tries again; the log by Message-ID keeps a retried message from acting twice. No relay,
 * no login: it only receives.
 */
export async function startSmtpReceiver(
  deps: InboundDeps,
  o: SmtpReceiverOptions,
  onError: (e: unknown) => void = () => undefined,
): Promise<{ port: number; close(): Promise<void> }> {
  const domain = o.domain?.toLowerCase();
  const options: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: o.maxBytes,
    maxClients: 20,
    closeTimeout: 1000,
    logger: false,
    banner: 'chidao: chỉ nhận thư trả lời và thư báo lỗi',
    onRcptTo(address, session, cb) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return cb(smtpError(452, '4.5.3 Too many recipients'));
      if (domain && address.address.toLowerCase().split('@')[1] !== domain)
        return cb(smtpError(550, `5.7.1 <${address.address}>: relay not permitted`));
      cb();
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (stream.sizeExceeded) return cb(smtpError(552, '5.3.4 Message too big'));
        handleInbound(Buffer.concat(chunks), deps).then(
          () => cb(),
          (e: unknown) => {
            onError(e);
            cb(smtpError(451, '4.3.0 Temporary failure, try again later'));
          },
        );
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  server.on('error', onError);
  const port = (server.server.address() as { port: number }).port;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}
