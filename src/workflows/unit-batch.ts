import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { RecipientInfo } from '../domain/plan';
import type { StageCounts } from '../domain/messages';
import type { UnitContext } from './context';
import { unitWorkflowId } from './ids';
import { unitChangedSignal, unitRow, type UnitRow } from './unit-rows';
import { newSnapshot } from '../domain/unit-state';
import { LEAN_START_PATCH, stopSignal, unitLifecycle, type UnitOutcome } from './unit-lifecycle';
import { SA_DIRECTIVE, SA_OVERDUE, SA_STAGE, SA_UNIT } from './search-attributes';
import { sendMessage } from './send-options';
import { messageBase } from './message-base';
import { countStages } from '../domain/run-state';

/**
 * A lifecycle that fails (terminated by the server for an oversized history, a bug) no longer fails its
 * batch, which would terminate its siblings: the unit is marked failed and the Office is told.
 */
export const FAILED_CHILD_PATCH = 'survive-failed-child';

/**
 * A subtree of the fan-out: one batch workflow parents up to `batchSize` lifecycles, so no workflow of
 * a 10,000-unit run has more than a few hundred children or a history near Temporal's limits.
 */
export interface BatchInput {
  ctx: UnitContext;
  runWorkflowId: string;
  batchNo: number;
  recipients: RecipientInfo[];
}

export const broadcastStopSignal = defineSignal<[{ stage: 'recalled' | 'closed'; reason: string }]>('broadcastStop');
export const batchRowsQuery = defineQuery<UnitRow[]>('batchRows');
export const batchFinishedSignal =
  defineSignal<[{ batchNo: number; counts: StageCounts; total: number }]>('batchFinished');

/** The lifecycle of one unit, started as a child of its batch. */
function startLifecycle(ctx: UnitContext, unit: RecipientInfo, batchWorkflowId: string, lean: boolean) {
  const seeded = lean
    ? [
        { key: SA_STAGE, value: 'dispatching' },
        { key: SA_OVERDUE, value: false },
      ]
    : [];
  const typedSearchAttributes = [{ key: SA_DIRECTIVE, value: ctx.ref }, { key: SA_UNIT, value: unit.code }, ...seeded];
  return startChild(unitLifecycle, {
    workflowId: unitWorkflowId(ctx.key, unit.code),
    args: [{ ctx, unit, batchWorkflowId }],
    // A unit is followed once per directive: a second lifecycle with its id is refused.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    parentClosePolicy: ParentClosePolicy.TERMINATE,
    ...(ctx.searchAttributes ? { typedSearchAttributes } : {}),
  });
}

/** A lifecycle that failed: its row shows it, and the Office is told. */
async function childFailed(
  ctx: UnitContext,
  rows: Map<string, UnitRow>,
  unit: RecipientInfo,
  e: unknown,
): Promise<UnitOutcome> {
  const row = rows.get(unit.code) ?? unitRow(newSnapshot(unit), undefined);
  rows.set(unit.code, { ...row, stage: 'failed', overdue: false, deadline: undefined });
  const cause = (e as { cause?: { message?: string } }).cause?.message;
  const error = String(cause ?? (e as Error).message ?? e).slice(0, 500);
  // Without an event id, as this message always was.
  const base = messageBase(ctx, `${unit.code}~office`, ctx.office.emails, 0, false);
  await sendMessage({ ...base, kind: 'unit-failed', unit: { code: unit.code, name: unit.name }, error });
  const acknowledged = row.acknowledgedAt !== undefined;
  return { code: unit.code, stage: 'failed', overdue: false, acknowledged, reports: 0 };
}

export async function unitBatch(input: BatchInput): Promise<StageCounts> {
  const { ctx } = input;
  // Rows start as "dispatching" here, so a lifecycle signals its batch only once it has news.
  const rows = new Map<string, UnitRow>(
    input.recipients.map((unit) => [unit.code, unitRow(newSnapshot(unit), undefined)]),
  );
  const outcomes: UnitOutcome[] = [];
  let stop: { stage: 'recalled' | 'closed'; reason: string } | undefined;

  setHandler(unitChangedSignal, (row) => void rows.set(row.code, row));
  setHandler(batchRowsQuery, () => [...rows.values()]);
  setHandler(broadcastStopSignal, (s) => void (stop ??= s));

  const me = `${input.runWorkflowId}/batch-${input.batchNo}`;
  // Lifecycles of this patch leave their first search attributes to their batch (see LEAN_START_PATCH).
  const lean = patched(LEAN_START_PATCH);
  const handles: { unit: RecipientInfo; handle: ChildWorkflowHandle<typeof unitLifecycle> }[] = [];
  await Promise.all(
    input.recipients.map(async (unit) => {
      try {
        handles.push({ unit, handle: await startLifecycle(ctx, unit, me, lean) });
      } catch {
        // Already started (a replayed add): the existing lifecycle keeps following the unit.
      }
    }),
  );
  const pending = new Set(handles.map((h) => h.handle));
  const all = Promise.all(
    handles.map(async ({ unit, handle: h }) => {
      try {
        outcomes.push(await h.result());
      } catch (e) {
        if (!patched(FAILED_CHILD_PATCH)) throw e;
        outcomes.push(await childFailed(ctx, rows, unit, e));
      }
      pending.delete(h);
    }),
  );
  await Promise.race([all, condition(() => stop !== undefined)]);
  if (stop) {
    const s = stop;
    await Promise.all([...pending].map((h) => h.signal(stopSignal, s).catch(() => undefined)));
    await all;
  }

  const counts = countStages(outcomes);
  await getExternalWorkflowHandle(input.runWorkflowId).signal(batchFinishedSignal, {
    batchNo: input.batchNo,
    counts,
    total: input.recipients.length,
  });
  return counts;
}
