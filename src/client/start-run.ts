import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { URGENCY_PRIORITY } from '../domain/urgency-policies';
import { directiveKey, directiveRef } from '../domain/directive';
import type { DisseminationPlan } from '../domain/plan';
import type { CalendarData } from '../domain/holidays-vn';
import { runWorkflowId } from '../workflows/ids';
import {
  addRecipientsUpdate,
  disseminationRun,
  MAX_RECIPIENTS_PER_UPDATE,
  runStatusQuery,
} from '../workflows/dissemination-run';
import type { RunContext } from '../workflows/context';
import { SA_DIRECTIVE } from '../workflows/search-attributes';

export class DuplicateRunError extends Error {
  override readonly name = 'DuplicateRunError';
}

export interface StartOptions {
  taskQueue: string;
  searchAttributes: boolean;
  batchSize: number;
  calendarOverride?: CalendarData;
  /** Recipients per addRecipients update. */
  chunk?: number;
  onProgress?: (added: number, total: number) => void;
  /** Who starts it, for the audit trail ("Name (login)"). */
  startedBy?: string;
}

/**
 * Starts the run of a directive and hands it the recipients in chunks, so a 10,000-unit registry never
 * travels as one payload. The run's id comes from the directive's number and year: a second start is
 * refused, unless the first one stopped halfway through adding recipients, which it then completes.
 */
export async function startRun(
  client: Client,
  plan: DisseminationPlan,
  opts: StartOptions,
): Promise<{ workflowId: string; resumed: boolean }> {
  const d = plan.directive;
  const ctx: RunContext = {
    key: directiveKey(d),
    ref: directiveRef(d),
    directive: d,
    office: plan.office,
    searchAttributes: opts.searchAttributes,
    batchSize: opts.batchSize,
    ...(opts.calendarOverride ? { calendarOverride: opts.calendarOverride } : {}),
    ...(plan.registry ? { registry: plan.registry } : {}),
  };
  const workflowId = runWorkflowId(ctx.key);
  let resumed = false;
  // Batches, lifecycles and their sends inherit the run's priority: a hỏa tốc run's mail is taken off the
  // task queue before an ordinary run's backlog.
  const priorityKey = URGENCY_PRIORITY[d.urgency];
  try {
    // By reference, so the arguments are type-checked against the workflow's signature.
    await client.workflow.start(disseminationRun, {
      taskQueue: opts.taskQueue,
      workflowId,
      args: [{ ctx, expected: plan.recipients.length, ...(opts.startedBy ? { startedBy: opts.startedBy } : {}) }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      ...(priorityKey ? { priority: { priorityKey } } : {}),
      // What the run list shows without asking a worker.
      memo: { ref: ctx.ref, subject: d.subject, urgency: d.urgency, date: d.date },
      ...(opts.searchAttributes ? { typedSearchAttributes: [{ key: SA_DIRECTIVE, value: ctx.ref }] } : {}),
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    const handle = client.workflow.getHandle(workflowId);
    const desc = await handle.describe();
    const status = desc.status.name === 'RUNNING' ? await handle.query(runStatusQuery) : undefined;
    if (!status || status.stop || status.added >= plan.recipients.length)
      throw new DuplicateRunError(
        `Văn bản ${ctx.ref} đã được phát hành (đợt gửi ${workflowId}, trạng thái ${desc.status.name}); không phát hành lại.`,
      );
    resumed = true;
  }
  const handle = client.workflow.getHandle(workflowId);
  const already = new Set<string>();
  if (resumed) {
    // Resume: the run's roster says which units it already holds.
    (await handle.query(runStatusQuery)).roster.forEach((c) => already.add(c));
  }
  const todo = plan.recipients.filter((r) => !already.has(r.code));
  const chunk = Math.min(opts.chunk ?? opts.batchSize, MAX_RECIPIENTS_PER_UPDATE);
  let added = plan.recipients.length - todo.length;
  opts.onProgress?.(added, plan.recipients.length);
  for (let i = 0; i < todo.length; i += chunk) {
    const part = todo.slice(i, i + chunk);
    // The update id makes a retried call (after a lost reply) a no-op rather than a refusal.
    await handle.executeUpdate(addRecipientsUpdate, {
      args: [{ recipients: part }],
      updateId: `add:${part[0]!.code}:${part.length}`,
    });
    added += part.length;
    opts.onProgress?.(added, plan.recipients.length);
  }
  return { workflowId, resumed };
}
