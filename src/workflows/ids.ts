/**
 * Workflow ids are business ids, so a second start of the same directive is refused by Temporal itself
 * and every message and audit record can be keyed on them.
 */
export const runWorkflowId = (key: string): string => `chidao/${key}`;
export const batchWorkflowId = (key: string, batch: number): string => `chidao/${key}/batch-${batch}`;
export const unitWorkflowId = (key: string, unitCode: string): string => `chidao/${key}/unit/${unitCode}`;

/** The correction `version` for a unit whose follow-up had ended: sent once. */
export const correctionNoticeWorkflowId = (key: string, unitCode: string, version: number): string =>
  `chidao/${key}/unit/${unitCode}/correction-${version}`;

export const TASK_QUEUE_DEFAULT = 'chidao';

/**
 * Webhook deliveries' HTTP calls run on a queue of their own, polled by a small worker beside the main one:
 * receivers that hang cannot take the activity slots that send the units' mail.
 */
export const webhookTaskQueue = (taskQueue: string): string => `${taskQueue}-webhooks`;

/** One delivery of one audit record to one subscribed system: its id makes the delivery happen once. */
export const webhookDeliveryWorkflowId = (subscription: string, recordKey: string): string =>
  `chidao-webhook/${subscription}/${recordKey}`;
