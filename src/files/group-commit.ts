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

/** A batch of lines appended with one write and one fsync, off the event loop. */
export async function appendDurably(path: string, lines: string[]): Promise<void> {
  if (!lines.length) return;
  const fh = await open(path, 'a');
  try {
    await fh.write(lines.map((l) => l + '\n').join(''));
    await fh.sync();
  } finally {
    await fh.close();
  }
}
