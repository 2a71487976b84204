import { ImapFlow } from 'imapflow';

export interface MailboxSettings {
  url: string;
  processedFolder: string;
}

/** One IMAP session for one piece of work; the server may close idle ones, so none is kept between polls. */
export async function withMailbox<T>(s: MailboxSettings, work: (c: ImapFlow) => Promise<T>): Promise<T> {
  const u = new URL(s.url);
  const secure = u.protocol === 'imaps:';
  const client = new ImapFlow({
    host: u.hostname,
    port: Number(u.port) || (secure ? 993 : 143),
    secure,
    auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) },
    logger: false,
    // A plain imap:// URL is a deliberate choice (a server on loopback): no STARTTLS demanded.
    ...(secure ? {} : { doSTARTTLS: false }),
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** The UIDs waiting in the inbox, oldest first, at most `limit`. */
export async function waitingUids(s: MailboxSettings, limit: number): Promise<number[]> {
  return withMailbox(s, async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      const uids = (await c.search({ deleted: false }, { uid: true })) || [];
      return uids.sort((a, b) => a - b).slice(0, limit);
    } finally {
      lock.release();
    }
  });
}

/**
 * Hands one message's bytes to `handle`, then moves it to the processed folder. A message no longer in
 * the inbox (moved by an earlier attempt) is not an error. Too large a message is not read whole.
 */
export async function processUid<T>(
  s: MailboxSettings,
  uid: number,
  maxBytes: number,
  handle: (raw: Buffer | { tooLarge: number }) => Promise<T>,
): Promise<T | undefined> {
  return withMailbox(s, async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      const meta = await c.fetchOne(String(uid), { size: true }, { uid: true });
      if (!meta) return undefined;
      const size = meta.size ?? 0;
      const raw =
        size > maxBytes
          ? { tooLarge: size }
          : ((await c.fetchOne(String(uid), { source: true }, { uid: true })) || undefined)?.source;
      if (!raw) return undefined;
      const result = await handle(raw);
      if (!(await c.list()).some((f) => f.path === s.processedFolder)) await c.mailboxCreate(s.processedFolder);
      await c.messageMove(String(uid), s.processedFolder, { uid: true });
      return result;
    } finally {
      lock.release();
    }
  });
}
