import type { UnitRow } from '../workflows/unit-rows';
import type { RunListing } from './visibility';

/** One thing waiting on a follow-up officer. */
export interface WorkItem {
  key: string;
  code: string;
  name: string;
  kind: 'report' | 'difficulty' | 'extension' | 'overdue';
  /** Since when it waits, when known: the report's arrival, the missed deadline. */
  since?: number | undefined;
}

/**
 * What waits on the follow-up officers across the running runs, oldest first: reports to review,
 * difficulties to answer, extensions asked for, units past a deadline. Pure: the rows come from each run's table.
 */
export function workItems(tables: { run: RunListing; rows: UnitRow[] }[]): WorkItem[] {
  const items: WorkItem[] = [];
  for (const { run, rows } of tables)
    for (const r of rows) {
      const base = { key: run.key, code: r.code, name: r.name };
      if (r.stage === 'reported') items.push({ ...base, kind: 'report', since: r.reportedAt });
      if (r.openDifficulties > 0) items.push({ ...base, kind: 'difficulty' });
      if (r.extensionRequestedAt !== undefined)
        items.push({ ...base, kind: 'extension', since: r.extensionRequestedAt });
      if (r.overdue) items.push({ ...base, kind: 'overdue', since: r.deadline });
    }
  const order = (i: WorkItem) => i.since ?? Number.MAX_SAFE_INTEGER;
  return items.sort((a, b) => order(a) - order(b) || a.key.localeCompare(b.key) || a.code.localeCompare(b.code));
}
