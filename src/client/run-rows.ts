import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { runStatusQuery, type RunStatus } from '../workflows/dissemination-run';
import { batchRowsQuery } from '../workflows/unit-batch';
import type { UnitRow } from '../workflows/unit-rows';
import { unitStateQuery } from '../workflows/unit-lifecycle';
import { runWorkflowId, unitWorkflowId } from '../workflows/ids';
import type { Stage } from '../domain/unit-state';
import { SA_OVERDUE, SA_STAGE } from '../workflows/search-attributes';

/**
 * Every unit's row of a run, read from its batches (a few hundred queries at 10,000 units), so status
 * works on any Temporal server, including one without visibility. A finished batch no longer answers
 * for live rows, so its units are asked directly.
 */
export async function readRunRows(
  client: Client,
  runId: string,
  concurrency = 16,
): Promise<{ status: RunStatus; rows: UnitRow[] }> {
  const status = await client.workflow.getHandle(runId).query(runStatusQuery);
  const rows: UnitRow[] = [];
  let next = 0;
  async function worker() {
    while (next < status.batches.length) {
      const b = status.batches[next++]!;
      rows.push(...(await client.workflow.getHandle(b.workflowId).query(batchRowsQuery)));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, status.batches.length) }, worker));
  rows.sort((a, b) => a.code.localeCompare(b.code));
  return { status, rows };
}

export async function readUnit(client: Client, key: string, unitCode: string) {
  return client.workflow.getHandle(unitWorkflowId(key, unitCode)).query(unitStateQuery);
}

/** Longest a worker's long poll leaves the task queue unvisited (60 s polls, with slack). */
const POLL_STALE_MS = 90_000;

/**
 * Whether any worker has polled the run's task queue lately. Queries need a worker, and without one the
 * server holds a query for half a minute before it fails: ask first, then answer from visibility.
 */
export async function workerAnswers(client: Client, workflowId: string, now = Date.now()): Promise<boolean> {
  const d = await client.workflow.getHandle(workflowId).describe();
  const r = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: d.taskQueue },
    taskQueueType: 1,
  });
  return (r.pollers ?? []).some((p) => {
    const at = p.lastAccessTime;
    const ms = at ? Number(at.seconds ?? 0) * 1000 + Math.floor((at.nanos ?? 0) / 1e6) : 0;
    return now - ms < POLL_STALE_MS;
  });
}

/**
 * How long a status waits for a polling worker to answer before it answers from visibility instead: a
 * worker that died in the last minute still looks like a poller but never answers, and a worker
 * swamped by a fan-out answers late; either way the Office gets an answer, marked as partial.
 */
const QUERY_PATIENCE_MS = 10_000;

/**
 * The run's table as the Office sees it: from the workflows when a worker answers; otherwise (no worker
 * polled lately, or none answered in time) from visibility, with `noWorker` set so callers say so.
 */
export async function readRunTable(
  client: Client,
  key: string,
): Promise<{ status?: RunStatus; rows: UnitRow[]; noWorker: boolean }> {
  const id = runWorkflowId(key);
  if (await workerAnswers(client, id)) {
    try {
      return {
        ...(await client.withDeadline(Date.now() + QUERY_PATIENCE_MS, () => readRunRows(client, id))),
        noWorker: false,
      };
    } catch (e) {
      // A worker that just died still looks like a poller for a minute: its queries time out.
      if ((e as Error)?.name !== 'ServiceError') throw e;
    }
  }
  return { rows: await readRunRowsFromVisibility(client, key), noWorker: true };
}

/** What is known of a run when no worker answers: each unit's stage and lateness from visibility. */
export async function readRunRowsFromVisibility(client: Client, key: string): Promise<UnitRow[]> {
  const prefix = unitWorkflowId(key, '');
  const rows: UnitRow[] = [];
  for await (const w of client.workflow.list({
    query: `WorkflowType = 'unitLifecycle' AND WorkflowId STARTS_WITH '${prefix.replace(/'/g, '')}'`,
  })) {
    rows.push(rowFromVisibility(w, w.workflowId.slice(prefix.length)));
  }
  rows.sort((a, b) => a.code.localeCompare(b.code));
  return rows;
}

function rowFromVisibility(w: WorkflowExecutionInfo, code: string): UnitRow {
  const failed = w.status.name === 'FAILED' || w.status.name === 'TERMINATED' || w.status.name === 'TIMED_OUT';
  const stage = failed ? 'failed' : ((w.typedSearchAttributes.get(SA_STAGE) as Stage | undefined) ?? 'dispatching');
  const overdue = !failed && w.typedSearchAttributes.get(SA_OVERDUE) === true;
  return { code, name: code, stage, overdue, escalationLevel: 0, remindersSent: 0, reports: 0, openDifficulties: 0 };
}
