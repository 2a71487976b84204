import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Directive } from '../domain/directive';
import type { RunInput } from '../workflows/dissemination-run';
import { runWorkflowId } from '../workflows/ids';

/**
 * The whole directive of a run, read from the first event of its current execution (each execution,
 * continue-as-new included, starts with the run's context). One page of one event from the server: no
 * worker has to answer, unlike a query, so it works however busy the workers are.
 */
export async function fetchRunDirective(client: Client, runKey: string): Promise<Directive> {
  const workflowId = runWorkflowId(runKey);
  const res = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId },
    maximumPageSize: 1,
  });
  const payload = res.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new Error(`${workflowId}: không đọc được văn bản từ sự kiện khởi đầu của đợt gửi`);
  return defaultPayloadConverter.fromPayload<RunInput>(payload).ctx.directive;
}
