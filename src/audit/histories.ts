import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { batchWorkflowId, correctionNoticeWorkflowId, runWorkflowId, unitWorkflowId } from '../workflows/ids';
import { runStatusQuery } from '../workflows/dissemination-run';
import { inLanes } from '../client/in-lanes';
import { historiesFromFiles, historyFiles, type NamedHistory } from './export-files';

export type { NamedHistory } from './export-files';

/**
 * Every workflow of a run (the run, its batches, one lifecycle per implementing unit), found from the
 * run's own state, so export works on servers without visibility too.
 */
export async function fetchRunHistories(client: Client, key: string): Promise<NamedHistory[]> {
  const run = client.workflow.getHandle(runWorkflowId(key));
  const status = await run.query(runStatusQuery);
  const info = new Set(status.info.map((i) => i.code));
  const ids = [
    runWorkflowId(key),
    ...status.batches.map((_, i) => batchWorkflowId(key, i)),
    ...status.roster.filter((c) => !info.has(c)).map((c) => unitWorkflowId(key, c)),
  ];
  // A correction reached units whose follow-up had ended through a notice workflow each, when there was one.
  // Nothing to probe in a run without corrections.
  const units = status.roster.filter((c) => !info.has(c));
  const probes = (status.corrections ?? []).flatMap((c) =>
    units.map((unit) => correctionNoticeWorkflowId(key, unit, c.version)),
  );
  const found: string[] = [];
  await inLanes(probes, async (id) => {
    const exists = await client.workflow
      .getHandle(id)
      .describe()
      .then(() => true)
      .catch((e: unknown) => {
        if (e instanceof WorkflowNotFoundError) return false;
        throw e;
      });
    if (exists) found.push(id);
  });
  ids.push(...found.sort());
  const out: NamedHistory[] = [];
  for (const workflowId of ids) {
    // The latest run, then each run it continued as new from: records cite the run that decided them.
    let history = await client.workflow.getHandle(workflowId).fetchHistory();
    out.push({ workflowId, history });
    let prev: string | null | undefined;
    while ((prev = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId)) {
      history = await client.workflow.getHandle(workflowId, prev).fetchHistory();
      out.push({ workflowId, history });
    }
  }
  return out;
}

/** Writes histories as `audit export` does: one JSON file each, and an index (see historyFiles). */
export function writeHistories(dir: string, histories: NamedHistory[]): void {
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of historyFiles(histories)) writeFileSync(join(dir, f), text);
}

/** Histories saved by writeHistories (or by `temporal workflow show --output json`, named by file). */
export function readHistories(dir: string): NamedHistory[] {
  const files = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
  return historiesFromFiles(files, `${dir}/`);
}

export interface ReplayOutcome {
  workflowId: string;
  ok: boolean;
  /** The non-determinism or failure, naming the workflow and the event where it happened. */
  error?: string;
}

/** Replays histories with the current workflow code: a change that would break running workflows fails here. */
export async function replayHistories(
  histories: NamedHistory[],
  bundle: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'>,
): Promise<ReplayOutcome[]> {
  const out: ReplayOutcome[] = [];
  const results = Worker.runReplayHistories({ ...bundle, replayName: 'chidao-replay' }, histories);
  for await (const r of results) {
    out.push({ workflowId: r.workflowId, ok: !r.error, ...(r.error ? { error: r.error.message } : {}) });
  }
  return out;
}
