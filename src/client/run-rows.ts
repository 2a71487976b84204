import type { Client } from '@temporalio/client';
import { runStatusQuery, type RunStatus } from '../workflows/dissemination-run';
import { batchRowsQuery } from '../workflows/unit-batch';
import type { UnitRow } from '../workflows/messages';
import { unitStateQuery } from '../workflows/unit-lifecycle';
import { unitWorkflowId } from '../workflows/ids';

/**
 * Every unit's row of a run, read from its batches (a few hundred queries at 10,000 units), so status
 * works on any Temporal server, including one without visibility. A finished batch no longer answers
 * for live rows, so its units are asked directly.
 */
export async function readRunRows(client: Client, runWorkflowId: string, concurrency = 16): Promise<{ status: RunStatus; rows: UnitRow[] }> {
  const status = await client.workflow.getHandle(runWorkflowId).query(runStatusQuery);
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
