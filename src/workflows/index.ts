// The only workflowsPath: every workflow type the worker registers.
export { disseminationRun } from './dissemination-run';
export { unitBatch } from './unit-batch';
export { unitLifecycle } from './unit-lifecycle';
export { mailHealth } from './mail-health';
export { webhookDelivery } from './webhook-delivery';
export { correctionNotice } from './correction-notice';
export { mailboxWatch } from './mailbox-watch';
