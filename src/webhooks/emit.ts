import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { AuditAct, AuditRecord } from '../audit/record';
import type { AuditStore } from '../audit/store';
import { eventOf, eventType } from './event';
import type { Subscriptions } from './subscriptions';
import { webhookDeliveryWorkflowId, webhookTaskQueue } from '../workflows/ids';

/**
 * The audit store, telling subscribed systems of each record once it is written: one delivery workflow
 * per (subscription, record), by id, so a retried append starts nothing twice; a failure to start fails
 * the append's activity, which retries, so no event is lost.
 */
export function withWebhooks(
  store: AuditStore,
  o: { client: Client; subscriptions: Subscriptions; taskQueue: string },
): AuditStore {
  return {
    async append(act: AuditAct): Promise<AuditRecord> {
      const record = await store.append(act);
      for (const s of o.subscriptions.wanting(eventType(record)))
        await o.client.workflow
          .start('webhookDelivery', {
            taskQueue: o.taskQueue,
            workflowId: webhookDeliveryWorkflowId(s.id, record.key),
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [{ subscription: s.id, event: eventOf(record), activityQueue: webhookTaskQueue(o.taskQueue) }],
          })
          .catch((e: unknown) => {
            if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
          });
      return record;
    },
    list: (runKey) => store.list(runKey),
    appendDigest: (runKey, sign) => store.appendDigest(runKey, sign),
    digests: (runKey) => store.digests(runKey),
    close: () => store.close(),
  };
}
