import type { Client } from '@temporalio/client';
import { countStages } from '../domain/run-state';
import type { StageCounts } from '../domain/messages';
import { readRunRows, workerAnswers } from '../client/run-rows';
import { runWorkflowId } from '../workflows/ids';
import type { RunSummary } from '../workflows/dissemination-run';
import type { RunListing } from './visibility';

/** A run as the run list shows it: what visibility knows, and its units counted by stage. */
export interface RunOverview extends RunListing {
  counts?: StageCounts;
  total?: number;
}

export interface RunListFilters {
  year?: string | undefined;
  /** running | finished */
  state?: string | undefined;
  /** In the key, the number/symbol or the subject. */
  q?: string | undefined;
}

/** Runs whose counts are read at most, per page: each running one asks its batches. */
export const COUNTED_RUNS = 20;

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd').toLowerCase();

export function filterRuns(runs: RunListing[], f: RunListFilters): RunListing[] {
  const q = fold(f.q?.trim() ?? '');
  return runs.filter(
    (r) =>
      (!f.year || r.key.startsWith(`${f.year}-`)) &&
      (!f.state || (f.state === 'running') === (r.status === 'RUNNING')) &&
      (!q || fold(`${r.key} ${r.ref ?? ''} ${r.subject ?? ''}`).includes(q)),
  );
}

/** How long the list waits for a run's counts: a page must come back even when workers do not answer. */
const COUNT_PATIENCE_MS = 3000;

/**
 * The counts of the first runs shown: a running run's from its batches (when a worker polls its queue),
 * a finished one's from its result (the summary it ended with). A run that cannot answer in time is shown
 * without counts.
 */
export async function withCounts(client: Client, runs: RunListing[]): Promise<RunOverview[]> {
  const deadline = Date.now() + COUNT_PATIENCE_MS;
  return Promise.all(
    runs.map(async (r, i): Promise<RunOverview> => {
      if (i >= COUNTED_RUNS) return r;
      try {
        return await client.withDeadline(deadline, () => counted(client, r));
      } catch {
        return r;
      }
    }),
  );
}

async function counted(client: Client, r: RunListing): Promise<RunOverview> {
  const id = runWorkflowId(r.key);
  if (r.status === 'RUNNING') {
    if (!(await workerAnswers(client, id))) return r;
    const { rows } = await readRunRows(client, id);
    return { ...r, counts: countStages(rows), total: rows.length };
  }
  if (r.status !== 'COMPLETED') return r;
  const summary = (await client.workflow.getHandle(id).result()) as RunSummary | undefined;
  return summary?.counts ? { ...r, counts: summary.counts, total: summary.total } : r;
}
