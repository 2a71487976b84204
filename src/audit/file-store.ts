import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { seal, type AuditAct, type AuditRecord } from './record';
import { nextDigest, type AuditDigest, type DigestSigner } from './digest';
import type { AuditStore } from './store';
import { GroupCommit, appendDurably, readAppendedLines } from '../files/append-log';

/**
 * The embedded default: one append-only JSONL file per directive, fsync'd before an append returns
 * (appends that arrive together share one write and one fsync). Writers on one host serialise through
 * proper-lockfile's lock (an atomic mkdir next to the file, its mtime refreshed while held), so several
 * worker processes keep one chain; a lock not refreshed for `staleMs` is taken over (its holder died).
 */
export class FileAuditStore implements AuditStore {
  private readonly cache = new Map<string, { size: number; last?: AuditRecord; byKey: Map<string, AuditRecord> }>();
  private readonly writers = new Map<string, GroupCommit<AuditAct, AuditRecord>>();

  constructor(
    private readonly dir: string,
    private readonly staleMs = 10_000,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  file(runKey: string): string {
    return join(this.dir, `${runKey.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
  }

  /** The run's signed digests, beside its records (a name no run key maps to: keys hold no "+"). */
  digestFile(runKey: string): string {
    return join(this.dir, `${runKey.replace(/[^A-Za-z0-9._-]/g, '_')}+digests.jsonl`);
  }

  /** Reads what was appended since last time (by this or another process). */
  private refresh(runKey: string) {
    let c = this.cache.get(runKey);
    if (!c) this.cache.set(runKey, (c = { size: 0, byKey: new Map() }));
    let read = readAppendedLines(this.file(runKey), c.size);
    if (read.shrunk) {
      // The file shrank: someone rewrote it. Re-read from the start; verify will say what changed.
      c.byKey.clear();
      delete c.last;
      read = readAppendedLines(this.file(runKey), 0);
    }
    for (const line of read.lines) {
      const r = JSON.parse(line) as AuditRecord;
      c.byKey.set(r.key, r);
      c.last = r;
    }
    c.size = read.end;
    return c;
  }

  /**
   * Waits for the run's lock as long as it takes: a writer holds it for one write and one fsync. The
   * file may not exist yet (realpath: false). If the lock is lost while held (this process stalled past
   * `staleMs`), the commit fails rather than crash the worker; the activity retries, and an act already
   * written is found by its key.
   */
  private async lock(runKey: string): Promise<{ release: () => Promise<void>; lost: () => Error | undefined }> {
    let lost: Error | undefined;
    const release = await lock(this.file(runKey), {
      realpath: false,
      stale: this.staleMs,
      retries: { forever: true, minTimeout: 1, maxTimeout: 50, factor: 1.5 },
      onCompromised: (e) => {
        lost = e;
      },
    });
    return { release, lost: () => lost };
  }

  async append(act: AuditAct): Promise<AuditRecord> {
    const known = this.refresh(act.runKey).byKey.get(act.key);
    if (known) return known;
    let w = this.writers.get(act.runKey);
    if (!w) this.writers.set(act.runKey, (w = new GroupCommit((acts) => this.commit(act.runKey, acts))));
    return w.submit(act);
  }

  /** Seals a batch onto the chain under the lock: one write, one fsync. */
  private async commit(runKey: string, acts: AuditAct[]): Promise<AuditRecord[]> {
    const held = await this.lock(runKey);
    try {
      const c = this.refresh(runKey);
      const sealed = new Map<string, AuditRecord>();
      let last = c.last;
      const out = acts.map((act) => {
        const known = c.byKey.get(act.key) ?? sealed.get(act.key);
        if (known) return known;
        const rec = seal(act, (last?.seq ?? 0) + 1, last?.hash ?? '', new Date());
        sealed.set(act.key, rec);
        last = rec;
        return rec;
      });
      // Under the lock nobody else appends, so the cache follows what was written without reading it back.
      c.size += await appendDurably(
        this.file(runKey),
        [...sealed.values()].map((r) => JSON.stringify(r)),
      );
      for (const r of sealed.values()) c.byKey.set(r.key, r);
      if (last) c.last = last;
      const lost = held.lost();
      if (lost) {
        throw new Error(`Mất khóa sổ kiểm toán của ${runKey} khi đang ghi: ${lost.message}`, { cause: lost });
      }
      return out;
    } finally {
      if (!held.lost()) await held.release();
    }
  }

  async list(runKey: string): Promise<AuditRecord[]> {
    return readJsonLines<AuditRecord>(this.file(runKey));
  }

  async appendDigest(runKey: string, sign: DigestSigner): Promise<AuditDigest | undefined> {
    const held = await this.lock(runKey);
    try {
      const next = nextDigest(runKey, this.refresh(runKey).last, (await this.digests(runKey)).at(-1));
      if (!next) return undefined;
      const d = sign(next);
      await appendDurably(this.digestFile(runKey), [JSON.stringify(d)]);
      const lost = held.lost();
      if (lost) throw new Error(`Mất khóa sổ kiểm toán của ${runKey} khi đang ký: ${lost.message}`, { cause: lost });
      return d;
    } finally {
      if (!held.lost()) await held.release();
    }
  }

  async digests(runKey: string): Promise<AuditDigest[]> {
    return readJsonLines<AuditDigest>(this.digestFile(runKey));
  }

  async close(): Promise<void> {}
}

function readJsonLines<T>(path: string): T[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
