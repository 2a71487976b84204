import type { AuditAct, AuditRecord } from './record';

/**
 * Append-only, hash-chained audit records per run. `append` is idempotent on the act's key: a retried
 * activity gets the record written the first time. Implementations keep one valid chain with several
 * writers at once.
 */
export interface AuditStore {
  append(act: AuditAct): Promise<AuditRecord>;
  list(runKey: string): Promise<AuditRecord[]>;
  close(): Promise<void>;
}
