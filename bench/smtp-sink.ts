import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server that accepts everything and keeps only counts per X-Chidao-Kind, so 10,000 messages
 * cost it nothing to store and both our path and the floor's are received the same way.
 */
export interface Sink {
  port: number;
  count(kind?: string): number;
  /** Messages of one run (X-Chidao-Run). */
  countRun(runKey: string): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const counts = new Map<string, number>();
  const runs = new Map<string, number>();
  let total = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 8192) head += c.toString('latin1');
      });
      stream.on('end', () => {
        const kind = /^x-chidao-kind:\s*(\S+)/im.exec(head)?.[1] ?? 'other';
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        const run = /^x-chidao-run:\s*(\S+)/im.exec(head)?.[1] ?? '';
        runs.set(run, (runs.get(run) ?? 0) + 1);
        total++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    count: (kind) => (kind ? (counts.get(kind) ?? 0) : total),
    countRun: (runKey) => runs.get(runKey) ?? 0,
    reset: () => {
      counts.clear();
      runs.clear();
      total = 0;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
