import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { lockSync } from 'proper-lockfile';

/**
 * Written whole (mode 0600), flushed, then renamed over the old file: a crash leaves the old file or the
 * new one, never half of either.
 */
export function writePrivateAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** proper-lockfile's sync lock does not retry; a change takes milliseconds, so wait briefly for it. */
function lockWithRetry(file: string): () => void {
  for (let i = 0; ; i++) {
    try {
      return lockSync(dirname(file), { lockfilePath: `${file}.lock`, stale: 10_000 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || i >= 100) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/**
 * A small keyed set of records in one JSON file (mode 0600, replaced atomically). Writers on one host
 * serialise through proper-lockfile, as the audit file store does, so the CLI and `chidao serve` never
 * lose each other's change. For tens to thousands of records: every read parses the whole file.
 */
export class LockedJsonMap<T> {
  constructor(
    readonly file: string,
    private readonly keyOf: (t: T) => string,
    private readonly max: { count: number; refusal: () => Error; evict?: (all: Map<string, T>) => string | undefined },
  ) {}

  private read(): Map<string, T> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw e;
    }
    return new Map((JSON.parse(text) as T[]).map((t) => [this.keyOf(t), t]));
  }

  list(): T[] {
    return [...this.read().values()];
  }

  get(key: string): T | undefined {
    return this.read().get(key);
  }

  /** Reads, changes and writes one record under the lock; `change` returns no record to write nothing. */
  update<R>(key: string, change: (t: T | undefined) => { record?: T; result: R }): R {
    mkdirSync(dirname(this.file), { recursive: true });
    const release = lockWithRetry(this.file);
    try {
      const all = this.read();
      const { record, result } = change(all.get(key));
      if (!record) return result;
      if (!all.has(key) && all.size >= this.max.count) {
        // A log keeps its newest records: the store names the one to let go, or refuses.
        const gone = this.max.evict?.(all);
        if (gone === undefined) throw this.max.refusal();
        all.delete(gone);
      }
      all.set(key, record);
      writePrivateAtomically(this.file, JSON.stringify([...all.values()], null, 1));
      return result;
    } finally {
      release();
    }
  }
}
