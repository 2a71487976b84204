import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { seal, type AuditAct, type AuditRecord } from './record';
import type { AuditStore } from './store';
import { GroupCommit, appendDurably, readAppendedLines } from '../files/append-log';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The embedded default: one append-only JSONL file per directive, fsync'd before an append returns
 * (appends that arrive together share one write and one fsync). Writers on one host serialise through
 * an exclusive lock file (O_EXCL), so several worker processes keep one chain; a lock older than
 * `staleMs` is taken over (its holder died).
 */
export class FileAuditStore implements AuditStore {
  private readonly cache = new Map<string, { size: number; last?: AuditRecord; byKey: Map<string, AuditRecord> }>();
  private readonly writers = new Map<string, GroupCommit<AuditAct, AuditRecord>>();

  constructor(private readonly dir: string, private readonly staleMs = 10_000) {
    mkdirSync(dir, { recursive: true });
  }

  file(runKey: string): string {
    return join(this.dir, `${runKey.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
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

  private async lock(runKey: string): Promise<() => void> {
    const path = this.file(runKey) + '.lock';
    for (let attempt = 0; ; attempt++) {
      try {
        closeSync(openSync(path, 'wx'));
        return () => rmSync(path, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        try {
          if (Date.now() - statSync(path).mtimeMs > this.staleMs) rmSync(path, { force: true });
        } catch {
          // gone meanwhile
        }
        await sleep(Math.min(50, 1 + attempt));
      }
    }
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
    const unlock = await this.lock(runKey);
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
      c.size += await appendDurably(this.file(runKey), [...sealed.values()].map((r) => JSON.stringify(r)));
      for (const r of sealed.values()) c.byKey.set(r.key, r);
      if (last) c.last = last;
      return out;
    } finally {
      unlock();
    }
  }

  async list(runKey: string): Promise<AuditRecord[]> {
    try {
      return readFileSync(this.file(runKey), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditRecord);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  async close(): Promise<void> {}
}
