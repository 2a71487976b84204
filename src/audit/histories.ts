import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { batchWorkflowId, runWorkflowId, unitWorkflowId } from '../workflows/ids';
import { runStatusQuery } from '../workflows/dissemination-run';

export interface NamedHistory {
  workflowId: string;
  history: History;
}

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
  const out: NamedHistory[] = [];
  for (const workflowId of ids)
    out.push({ workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() });
  return out;
}

const fileName = (workflowId: string) => `${workflowId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;

const INDEX = 'index.json';

/**
 * One JSON file per history, and an index from file name to workflow id: ids hold `/`, and a history
 * of a child workflow does not name its own id.
 */
export function writeHistories(dir: string, histories: NamedHistory[]): void {
  mkdirSync(dir, { recursive: true });
  const index: Record<string, string> = {};
  for (const h of histories) {
    const f = fileName(h.workflowId);
    index[f] = h.workflowId;
    writeFileSync(join(dir, f), historyToJSON(h.history));
  }
  writeFileSync(join(dir, INDEX), JSON.stringify(index, null, 2) + '\n');
}

/** Histories saved by writeHistories (or by `temporal workflow show --output json`, named by file). */
export function readHistories(dir: string): NamedHistory[] {
  const index: Record<string, string> = existsSync(join(dir, INDEX))
    ? JSON.parse(readFileSync(join(dir, INDEX), 'utf8'))
    : {};
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== INDEX && !f.startsWith('audit'))
    .sort()
    .map((f) => ({
      workflowId: index[f] ?? f.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))),
    }));
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
