import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { ImapFlow } from 'imapflow';
import { greenmailJar } from './tools';
import { onFreePort } from './ports';

export interface ImapServer {
  /** imap://office:secret@127.0.0.1:PORT — what CHIDAO_IMAP_URL takes. */
  url: string;
  /** Puts a message in the Office's inbox, as a mail server delivering it would. */
  deliver(raw: Buffer | string): Promise<void>;
  /** The Message-IDs in a folder (absent folder: none). */
  messageIds(folder: string): Promise<string[]>;
  stop(): Promise<void>;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/**
 * A real IMAP server (GreenMail, a JVM) with one mailbox, office / secret: the Office's inbox for `npm run
 * dev`, the demo and the tests. `port` 0 takes a free one (retrying if another process takes it first).
 */
export async function startImapServer(port = 0): Promise<ImapServer> {
  const jar = greenmailJar();
  const start = async (port: number) => {
    const proc: ChildProcess = spawn(
      'java',
      [
        '-XX:TieredStopAtLevel=1',
        `-Dgreenmail.imap.port=${port}`,
        '-Dgreenmail.imap.hostname=127.0.0.1',
        '-Dgreenmail.users=office:secret@thads.example.gov.vn',
        '-jar',
        jar,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    for (let i = 0; i < 300; i++) {
      if (proc.exitCode !== null) throw new Error(`GreenMail exited: ${err}`);
      if (await listening(port)) return { port, proc };
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`GreenMail did not listen on ${port}: ${err}`);
  };
  const started = port ? await start(port) : await onFreePort(start);
  const { proc } = started;
  port = started.port;
  const session = async <T>(work: (c: ImapFlow) => Promise<T>) => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'office', pass: 'secret' },
      logger: false,
    });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.logout();
    }
  };
  return {
    url: `imap://office:secret@127.0.0.1:${port}`,
    deliver: (raw) => session(async (c) => void (await c.append('INBOX', raw))),
    messageIds: (folder) =>
      session(async (c) => {
        if (!(await c.list()).some((f) => f.path === folder)) return [];
        const lock = await c.getMailboxLock(folder);
        try {
          const ids: string[] = [];
          for await (const m of c.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '');
          return ids;
        } finally {
          lock.release();
        }
      }),
    async stop() {
      proc.kill('SIGTERM');
      if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r));
    },
  };
}
