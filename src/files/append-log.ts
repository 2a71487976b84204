import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Group commit: callers that arrive while a commit is in flight wait for the next one and share it,
 * so a hundred concurrent activities pay for a few fsyncs instead of a hundred. Each caller still gets
 * its own result only once its item is durable.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  /** `commit` gets a batch in arrival order and returns one result per item, in the same order. */
  constructor(private readonly commit: (items: T[]) => Promise<R[]>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        const out = await this.commit(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(out[i]!));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    this.running = false;
  }
}

/** A batch of lines appended with one write and one fsync, off the event loop; returns the bytes written. */
export async function appendDurably(path: string, lines: string[]): Promise<number> {
  if (!lines.length) return 0;
  const fh = await open(path, 'a');
  try {
    const { bytesWritten } = await fh.write(lines.map((l) => l + '\n').join(''));
    await fh.sync();
    return bytesWritten;
  } finally {
    await fh.close();
  }
}

/**
 * The complete lines appended to a file since byte `from`: only the new bytes are read, so following a
 * growing log costs what was added, not the whole file each time. Missing file: nothing yet.
 */
export function readAppendedLines(path: string, from: number): { lines: string[]; end: number; shrunk?: true } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], end: from };
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    // Shorter than what was read before: someone rewrote it. The caller decides what that means.
    if (size < from) return { lines: [], end: from, shrunk: true };
    if (size === from) return { lines: [], end: from };
    const buf = Buffer.alloc(size - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    // A record being written by another process may be incomplete: stop at the last newline.
    const last = buf.lastIndexOf(0x0a, got - 1);
    if (last < 0) return { lines: [], end: from };
    return { lines: buf.subarray(0, last).toString('utf8').split('\n').filter(Boolean), end: from + last + 1 };
  } finally {
    closeSync(fd);
  }
}
