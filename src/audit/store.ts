import type { AuditDigest, DigestSigner } from './digest';
import type { AuditAct, AuditRecord } from './record';

/**
 * Append-only, hash-chained audit records per run, and signed digests of the chain beside them.
 * `append` is idempotent on the act's key: a retried activity gets the record written the first time.
 * Implementations keep one valid chain with several writers at once.
 */
export interface AuditStore {
  append(act: AuditAct): Promise<AuditRecord>;
  list(runKey: string): Promise<AuditRecord[]>;
  /**
   * Signs the chain as it stands, under the same lock as appends, unless the latest digest already covers
   * its last record: a retried or concurrent call writes nothing twice. Returns the digest written, if any.
   */
  appendDigest(runKey: string, sign: DigestSigner): Promise<AuditDigest | undefined>;
  digests(runKey: string): Promise<AuditDigest[]>;
  close(): Promise<void>;
}
