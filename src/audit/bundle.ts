import type { AuditDigest, DigestProblem } from './digest';
import type { NamedHistory } from './export-files';
import type { AuditRecord, ChainFinding } from './record';

export interface Manifest {
  runKey: string;
  exportedAt?: string;
  histories?: number;
  records?: number;
  digests?: number;
}

/** An export: histories that outlive Temporal's retention, the run's audit records and digests beside them. */
export interface AuditBundle {
  runKey: string;
  histories: NamedHistory[];
  records: AuditRecord[];
  digests?: AuditDigest[];
  /** What the export said it holds (absent when read live from Temporal and the store). */
  manifest?: Manifest;
}

export type FindingKind =
  | ChainFinding['problem']
  | DigestProblem
  | 'record-without-event'
  | 'event-without-record'
  | 'content-mismatch'
  | 'time-mismatch'
  | 'missing-history'
  | 'manifest-mismatch';

export interface Finding {
  kind: FindingKind;
  /** Errors make `verify` fail; warnings are shown to the auditor and do not. */
  level: 'error' | 'warning';
  message: string;
  seq?: number;
  key?: string;
  workflowId?: string;
  eventId?: number;
}
