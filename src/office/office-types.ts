import type { RunStatus } from '../workflows/dissemination-run';
import type { UnitRow } from '../workflows/unit-rows';
import type { MailHealth } from '../client/mail-health';

export interface OfficeOptions {
  taskQueue: string;
  searchAttributes: boolean;
  batchSize: number;
  now?: () => number;
  /** CHIDAO_DATA_DIR: where the mailbox reader logs messages and keeps reply attachments. */
  dataDir?: string;
}

/** A run's table as the Office sees it, with the mail server's health beside it. */
export interface RunTable {
  /** Absent when no worker answered: rows then come from visibility (stage and lateness only). */
  status?: RunStatus;
  rows: UnitRow[];
  noWorker: boolean;
  mail?: MailHealth;
  /** One Vietnamese sentence while mail waits on the server. */
  mailNotice?: string;
}

export interface RunFilters {
  filter?: string;
  province?: string;
  region?: string;
}
