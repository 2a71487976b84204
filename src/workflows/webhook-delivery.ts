import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/types';
import type { WebhookEvent } from '../webhooks/event';

/**
 * A receiver that is down loses nothing: the delivery retries with backoff (2 s doubling to 10 minutes)
 * for up to three days, then gives up (the delivery log says so).
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

/** One event to one subscribed system. Its id (subscription, event) makes it happen once. */
export async function webhookDelivery(input: WebhookDeliveryInput): Promise<void> {
  const queue = input.activityQueue ? { taskQueue: input.activityQueue } : {};
  const { deliverWebhook } = proxyActivities<Activities>({ ...OPTIONS, ...queue });
  const { subscription, event } = input;
  await deliverWebhook({ subscription, event });
}
