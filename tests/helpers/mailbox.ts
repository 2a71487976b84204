import { inject } from 'vitest';

export interface ReceivedMail {
  id: string;
  subject: string;
  to: { address: string }[];
  headers: Record<string, string>;
  text: string;
  html?: string;
  attachments?: { fileName?: string; generatedFileName?: string; contentType: string }[];
}

/** The real SMTP server's HTTP API (maildev). Tests filter by their own run key, since it is shared. */
export async function mails(filter: (m: ReceivedMail) => boolean = () => true): Promise<ReceivedMail[]> {
  const r = await fetch(`${inject('mailApi')}/email`);
  if (!r.ok) throw new Error(`maildev API: ${r.status}`);
  return ((await r.json()) as ReceivedMail[]).filter(filter);
}

export const ofRun = (runKey: string) => (m: ReceivedMail) => m.headers['x-chidao-run'] === runKey;
export const ofKind = (kind: string) => (m: ReceivedMail) => m.headers['x-chidao-kind'] === kind;
export const both = (...fs: ((m: ReceivedMail) => boolean)[]) => (m: ReceivedMail) => fs.every((f) => f(m));

export async function waitForMails(filter: (m: ReceivedMail) => boolean, count: number, timeoutMs = 30_000): Promise<ReceivedMail[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await mails(filter);
    if (got.length >= count || Date.now() > until) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
}
