import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/types';
import type { WebhookEvent } from '../webhooks/event';

/**
 * A receiver that is down loses nothing: the delivery retries with backoff (2 s doubling to 10 minutes)
 * for up to three days, then gives up, and the delivery log says so in a line of its own.
 */
const OPTIONS = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
} as const;

export interface WebhookDeliveryInput {
  subscription: string;
  event: WebhookEvent;
  /** The queue of the HTTP call (webhookTaskQueue); deliveries started before it ran on the workflow's. */
  activityQueue?: string;
}

/** Deliveries that gave up before this patch failed without a line in the log; old histories keep that. */
export const WEBHOOK_GAVE_UP_PATCH = 'webhook-gave-up';

/** One event to one subscribed system. Its id (subscription, event) makes it happen once. */
export async function webhookDelivery(input: WebhookDeliveryInput): Promise<void> {
  const queue = input.activityQueue ? { taskQueue: input.activityQueue } : {};
  const { deliverWebhook, noteWebhookGaveUp } = proxyActivities<Activities>({ ...OPTIONS, ...queue });
  const { subscription, event } = input;
  try {
    await deliverWebhook({ subscription, event });
  } catch (e) {
    // patched() only on this path: a marker where the old code asked nothing would be a new command.
    if (patched(WEBHOOK_GAVE_UP_PATCH))
      await noteWebhookGaveUp({
        subscription,
        event: { id: event.id, type: event.type },
        reason: String((e as Error).message),
      });
    throw e;
  }
}
