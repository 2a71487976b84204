import type { RetryPolicy } from '@temporalio/common';

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
