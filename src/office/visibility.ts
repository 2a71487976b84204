import type { Client } from '@temporalio/client';
import type { Stage } from '../domain/unit-state';
import { unitWorkflowId } from '../workflows/ids';

/** What the Office reads from Temporal's visibility: the list of runs, and units selected by stage or lateness. */

export interface RunListing {
  key: string;
  status: string;
  start: Date;
  close?: Date | undefined;
  /** From the run's memo (runs started before it have none). */
  ref?: string;
  subject?: string;
  urgency?: string;
}

export const UNACKNOWLEDGED: Stage[] = ['dispatching', 'dispatched', 'undeliverable'];

/** The runs Temporal's visibility knows, newest first. */
export async function listRuns(client: Client, limit = 200): Promise<RunListing[]> {
  const runs: RunListing[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = 'disseminationRun'` })) {
    const memo = (w.memo ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof memo[k] === 'string' ? { [k]: memo[k] } : {});
    runs.push({
      key: w.workflowId.replace(/^chidao\//, ''),
      status: w.status.name,
      start: w.startTime,
      close: w.closeTime,
      ...text('ref'),
      ...text('subject'),
      ...text('urgency'),
    });
    if (runs.length >= limit) break;
  }
  return runs;
}

/** Codes of the run's units that a visibility query on our search attributes selects. */
export async function selectByVisibility(
  client: Client,
  key: string,
  ref: string,
  filter?: string,
): Promise<Set<string> | undefined> {
  const condition =
    filter === 'overdue'
      ? 'ChidaoOverdue = true'
      : filter === 'unacknowledged'
        ? `ChidaoStage IN (${UNACKNOWLEDGED.map((s) => `'${s}'`).join(', ')})`
        : undefined;
  if (!condition) return undefined;
  const prefix = unitWorkflowId(key, '');
  const codes = new Set<string>();
  const query = `WorkflowType = 'unitLifecycle' AND ChidaoDirective = '${ref.replace(/'/g, '')}' AND ${condition}`;
  for await (const w of client.workflow.list({ query }))
    if (w.workflowId.startsWith(prefix)) codes.add(w.workflowId.slice(prefix.length));
  return codes;
}
