import { vi } from 'vitest';

/**
 * Reads until `ok` holds, through vitest's `vi.waitFor`, and returns the value that satisfied it. A read
 * that throws (a query before the workflow exists) or answers undefined counts as not yet; on timeout the
 * error shows the last value read.
 */
export function waitUntil<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await read();
      if (v === undefined || !ok(v)) throw new Error('timed out waiting: ' + JSON.stringify(v));
      return v;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}
