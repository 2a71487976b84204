import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GroupCommit, appendDurably, readAppendedLines } from '../files/append-log';

export interface SentRecord {
  messageId: string;
  at: string;
  to: string[];
  accepted: string[];
  rejected: string[];
  response: string;
}

/** What has been handed to SMTP already, so a retried activity does not send twice. */
export interface SentLog {
  get(runKey: string, messageId: string): SentRecord | undefined;
  /** Resolves once the record is durable. */
  record(runKey: string, rec: SentRecord): Promise<void>;
}

/**
 * One append-only JSONL file per run, fsync'd before a record counts (concurrent records share one
 * fsync). Writes are O_APPEND, so several worker processes on one host interleave whole records; each
 * re-reads what others appended on a miss.
 */
export class FileSentLog implements SentLog {
  private readonly cache = new Map<string, { size: number; ids: Map<string, SentRecord> }>();
  private readonly writers = new Map<string, GroupCommit<SentRecord, undefined>>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(runKey: string): string {
    return join(this.dir, `${runKey.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
  }

  private refresh(runKey: string) {
    let c = this.cache.get(runKey);
    if (!c) this.cache.set(runKey, (c = { size: 0, ids: new Map() }));
    const { lines, end } = readAppendedLines(this.file(runKey), c.size);
    for (const line of lines) {
      const rec = JSON.parse(line) as SentRecord;
      c.ids.set(rec.messageId, rec);
    }
    c.size = end;
    return c;
  }

  get(runKey: string, messageId: string): SentRecord | undefined {
    return this.cache.get(runKey)?.ids.get(messageId) ?? this.refresh(runKey).ids.get(messageId);
  }

  record(runKey: string, rec: SentRecord): Promise<void> {
    let w = this.writers.get(runKey);
    if (!w) {
      const path = this.file(runKey);
      this.writers.set(
        runKey,
        (w = new GroupCommit<SentRecord, undefined>(async (recs) => {
          await appendDurably(
            path,
            recs.map((r) => JSON.stringify(r)),
          );
          return recs.map(() => undefined);
        })),
      );
    }
    return w.submit(rec);
  }
}
