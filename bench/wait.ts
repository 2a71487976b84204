import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Polls `ok` every 50 ms until it holds; the bench is not a test, so no vitest here. */
export async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
