import type { MessageRequest } from '../domain/messages';
import type { AuditAct, AuditRecord } from '../audit/record';
import type { WebhookEvent } from '../webhooks/event';
import type { Person } from '../domain/registry';

/**
 * What the workflows may call, as types only. Workflows proxy `Activities` from here rather than
 * `ReturnType<typeof createActivities>`, so the workflow code's imports never lead back to the activities
 * (which read runs through src/client, which imports the workflows' queries): no cycle.
 */
export interface SendResult {
  messageId: string;
  /** True when the sent-log already had it: a retry after a crash, not a second email. */
  duplicate: boolean;
  accepted: string[];
  rejected: string[];
}

export interface Activities {
  /** One message, sent at most once per Message-ID (the sent-log), and its audit record. */
  sendMessage(req: MessageRequest): Promise<SendResult>;
  /** The Office's digest: counts by stage and the overdue units, read from the run's batches. */
  sendDigest(input: { runWorkflowId: string; seq: number }): Promise<SendResult>;
  /** An act decided by a workflow (acknowledgement, report, extension, recall…), written once. */
  recordAudit(act: Omit<AuditAct, 'workflowId' | 'runId'>): Promise<AuditRecord>;
  /** One event POSTed to one subscribed system, signed; a refusal or no answer throws, to be retried. */
  deliverWebhook(input: { subscription: string; event: WebhookEvent }): Promise<void>;
  /**
   * The head and leader of a unit in the registry version in effect now; null when this worker keeps no
   * such registry or the version no longer lists the unit (the run's own copy then stands).
   */
  contactsInEffect(input: { registry: string; unit: string }): Promise<{ head?: Person; leader?: Person } | null>;
  /** The delivery log's last word on an event whose delivery stopped retrying. */
  noteWebhookGaveUp(input: {
    subscription: string;
    event: Pick<WebhookEvent, 'id' | 'type'>;
    reason: string;
  }): Promise<void>;
}

/** Registered only when the worker reads the Office's mailbox (CHIDAO_IMAP_URL). */
export interface MailboxActivities {
  /** UIDs waiting in the Office's inbox, oldest first (only with CHIDAO_IMAP_URL). */
  listInbound(limit: number): Promise<number[]>;
  /** One message read, acted on once by its Message-ID, and moved out of the inbox. */
  processInbound(uid: number): Promise<{ messageId: string; outcome: string } | undefined>;
}
