import type { AuditDigest, DigestSigner } from './digest';
import type { AuditAct, AuditRecord } from './record';
import type { AuditStore } from './store';

export interface DigestPolicy {
  /** A digest once this many records have been appended since the last one. */
  everyRecords: number;
  /** And at this interval for every run that has records no digest covers yet. */
  intervalMs: number;
  /** Told when a periodic digest fails (the next tick tries again). */
  onError?: (e: unknown, runKey: string) => void;
}

/**
 * The audit writer with signed digests: every `everyRecords` records, when a run closes, and at an
 * interval for chains that grew since. Digests are written from the activity side, inside the append's
 * activity, so workflow code (and old histories) stay as they were. A digest that fails inside an
 * append fails the activity, which retries: the append is idempotent on its key and the digest on the
 * chain's length, so the retry writes only what is missing.
 */
export class SigningAuditStore implements AuditStore {
  private readonly covered = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly inner: AuditStore,
    private readonly sign: DigestSigner,
    private readonly policy: DigestPolicy,
  ) {
    this.timer = setInterval(() => void this.sweep(), policy.intervalMs);
    this.timer.unref();
  }

  async append(act: AuditAct): Promise<AuditRecord> {
    const rec = await this.inner.append(act);
    this.dirty.add(rec.runKey);
    const since = rec.seq - (this.covered.get(rec.runKey) ?? 0);
    if (since >= this.policy.everyRecords || closesRun(rec)) await this.appendDigest(rec.runKey, this.sign);
    return rec;
  }

  async appendDigest(runKey: string, sign: DigestSigner = this.sign): Promise<AuditDigest | undefined> {
    const d = await this.inner.appendDigest(runKey, sign);
    // Nothing written means a digest already covers the chain's head (another writer signed it).
    const last = d ?? (await this.inner.digests(runKey)).at(-1);
    if (last) this.covered.set(runKey, Math.max(this.covered.get(runKey) ?? 0, last.records));
    return d;
  }

  /** Signs every chain this writer extended since its last digest. */
  async sweep(): Promise<void> {
    for (const runKey of [...this.dirty]) {
      this.dirty.delete(runKey);
      try {
        await this.appendDigest(runKey);
      } catch (e) {
        this.dirty.add(runKey);
        this.policy.onError?.(e, runKey);
      }
    }
  }

  list(runKey: string): Promise<AuditRecord[]> {
    return this.inner.list(runKey);
  }

  digests(runKey: string): Promise<AuditDigest[]> {
    return this.inner.digests(runKey);
  }

  /** Signs what is left, then closes the store underneath. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sweep();
    await this.inner.close();
  }
}

/**
 * A run's last acts: the Office's close or recall, and the final summary, sent once every batch has
 * finished. Signing right after them seals the run as it ends.
 */
function closesRun(r: AuditRecord): boolean {
  return (
    r.kind === 'closed' || r.kind === 'recalled' || (r.kind === 'message-sent' && r.data.messageKind === 'summary')
  );
}
