import type { RetryPolicy } from '@temporalio/common';
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/types';

/**
 * Retries of an SMTP send: without limit (an outage delays mail, loses none), capped at 30 seconds so
 * mail resumes promptly when the server comes back; a permanent refusal is not retried.
 */
export const SEND_RETRY: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: ['RecipientRejected'],
};

/** The one way a workflow sends mail: every workflow shares these options. */
export const { sendMessage } = proxyActivities<Activities>({
  // One SMTP transaction; a worker that dies mid-send is noticed this soon.
  startToCloseTimeout: '30 seconds',
  // Each retry is one cheap connection attempt; see SEND_RETRY.
  retry: SEND_RETRY,
});
