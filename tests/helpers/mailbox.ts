import { inject, vi } from 'vitest';

export interface ReceivedMail {
  id: string;
  subject: string;
  to: { address: string }[];
  headers: Record<string, string>;
  text: string;
  html?: string;
  attachments?: { filename?: string; fileName?: string; generatedFileName?: string; contentType: string }[];
}

/** The real SMTP server's HTTP API (maildev). Tests filter by their own run key, since it is shared. */
export async function mails(filter: (m: ReceivedMail) => boolean = () => true): Promise<ReceivedMail[]> {
  const r = await fetch(`${inject('mailApi')}/email`);
  if (!r.ok) throw new Error(`maildev API: ${r.status}`);
  return ((await r.json()) as ReceivedMail[]).filter(filter);
}

export const ofRun = (runKey: string) => (m: ReceivedMail) => m.headers['x-chidao-run'] === runKey;
export const ofKind = (kind: string) => (m: ReceivedMail) => m.headers['x-chidao-kind'] === kind;
export const both =
  (...fs: ((m: ReceivedMail) => boolean)[]) =>
  (m: ReceivedMail) =>
    fs.every((f) => f(m));

class TooFew extends Error {}

/**
 * The messages matching `filter` once there are `count` of them, or what arrived by the timeout: the
 * caller's assertion then says how many came. The API failing is an error at once.
 */
export async function waitForMails(
  filter: (m: ReceivedMail) => boolean,
  count: number,
  timeoutMs = 30_000,
): Promise<ReceivedMail[]> {
  let got: ReceivedMail[] = [];
  let failed: unknown;
  await vi
    .waitFor(
      async () => {
        try {
          got = await mails(filter);
        } catch (e) {
          failed = e;
          return;
        }
        if (got.length < count) throw new TooFew(`${got.length} of ${count}`);
      },
      { timeout: timeoutMs, interval: 200 },
    )
    .catch((e: unknown) => {
      if (!(e instanceof TooFew)) throw e;
    });
  if (failed) throw failed;
  return got;
}
