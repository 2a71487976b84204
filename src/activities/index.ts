import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { messageId, type MessageRequest, type StageCounts } from '../domain/messages';
import { renderMessage } from '../domain/templates';
import type { LinkSigner } from '../links/signer';
import type { Stage } from '../domain/unit-state';
import { RecipientRejected, SmtpUnavailable, type Mailer, type OutgoingMail, type SendOutcome } from './mailer';
import type { MailHealthTracker } from './mail-health';
import type { SentLog } from './sent-log';
import { readRunRows } from '../client/run-rows';
import type { AuditStore } from '../audit/store';
import type { AuditAct, AuditRecord } from '../audit/record';
import type { Directive } from '../domain/directive';
import { fetchRunDirective } from '../client/run-directive';
import type { Activities, SendResult } from './types';
import type { DocumentStore } from '../documents/store';
import type { Subscriptions } from '../webhooks/subscriptions';
import { createWebhookActivities } from './webhooks';
import type { Registries } from '../registries/registries';

export type { Activities, SendResult } from './types';

export interface ActivityDeps {
  mailer: Mailer;
  audit: AuditStore;
  sentLog: SentLog;
  links: LinkSigner;
  client: Client;
  from: string;
  messageIdDomain: string;
  /** Told the outcome of every SMTP transaction; absent, nobody keeps the server's health. */
  mailHealth?: MailHealthTracker;
  /** The runs' signed documents; a dispatch attaches its run's, read and checked against its hash. */
  documents?: DocumentStore;
  /** The registries kept here, for the head and leader in effect when an escalation fires. */
  registries?: Registries;
  /** Where webhook deliveries find their subscription's URL and secret, and log each attempt. */
  webhooks?: { subscriptions: Subscriptions; dataDir: string };
}

/**
 * An outage, as the activity reports it: retryable, and BENIGN, which the SDK logs at DEBUG instead of
 * a WARN with a stack trace per attempt (3,537 of them in a 65-second outage). The tracker writes one
 * line per change of state instead. No stack: it would only show this line.
 */
function smtpUnavailable(e: SmtpUnavailable): ApplicationFailure {
  const f = ApplicationFailure.create({
    type: 'SmtpUnavailable',
    message: `Máy chủ thư chưa nhận thư: ${e.message}`,
    category: ApplicationFailureCategory.BENIGN,
  });
  f.stack = '';
  return f;
}

/** Activities as a factory over their clients, so tests inject real SMTP and Temporal clients. */
export function createActivities(deps: ActivityDeps): Activities {
  /** Where the act was decided: the calling workflow and the scheduled activity. */
  function origin(eventId = 0) {
    const info = Context.current().info;
    return {
      workflowId: info.workflowExecution?.workflowId ?? '',
      runId: info.workflowExecution?.runId ?? '',
      eventId,
      activityId: info.activityId,
    };
  }

  async function auditMessage(
    req: MessageRequest,
    id: string,
    kind: 'message-sent' | 'delivery-failed',
    data: Record<string, unknown>,
  ): Promise<void> {
    const { activityId, ...where } = origin(req.eventId);
    const unit = 'unit' in req && req.unit ? req.unit.code : undefined;
    await deps.audit.append({
      key: kind === 'message-sent' ? id : `${id}#failed`,
      runKey: req.runKey,
      kind,
      at: new Date().toISOString(),
      ...(unit ? { unit } : {}),
      data: { messageId: id, messageKind: req.kind, party: req.party, to: req.to, activityId, ...data },
      ...where,
    });
  }

  // A run's directive never changes, so each worker reads it once per run; few runs are live at a time.
  const directives = new Map<string, Promise<Directive>>();
  function directiveOf(runKey: string): Promise<Directive> {
    let d = directives.get(runKey);
    if (!d) {
      if (directives.size >= 32) directives.delete(directives.keys().next().value!);
      d = fetchRunDirective(deps.client, runKey);
      // A failed read is not remembered: the activity's retry reads again.
      d.catch(() => directives.delete(runKey));
      directives.set(runKey, d);
    }
    return d;
  }

  /**
   * Two attempts of one send at once happen when the server hands the task out again while the first is
   * still running (a history host died and its shards moved). Both would find no sent-log record and both
   * would send: the second waits for the first instead.
   */
  const inFlight = new Map<string, Promise<SendResult>>();
  function sendMessage(req: MessageRequest): Promise<SendResult> {
    const key = `${req.runKey}|${messageId(req, deps.messageIdDomain)}`;
    const running = inFlight.get(key);
    if (running) return running.then((r) => ({ ...r, duplicate: true }));
    const p = sendOnce(req).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
    return p;
  }

  async function sendOnce(req: MessageRequest): Promise<SendResult> {
    const id = messageId(req, deps.messageIdDomain);
    const prior = deps.sentLog.get(req.runKey, id);
    if (prior) {
      // Sent before a crash: make sure its audit record exists too (append is idempotent on the key).
      await auditMessage(req, id, 'message-sent', {
        accepted: prior.accepted,
        rejected: prior.rejected,
        smtp: prior.response,
      });
      return { messageId: id, duplicate: true, accepted: prior.accepted, rejected: prior.rejected };
    }

    const unit = 'unit' in req && req.unit && req.party === req.unit.code ? req.unit.code : undefined;
    const now = Date.now();
    const links = unit
      ? {
          acknowledge: deps.links.url(req.runKey, unit, 'acknowledge', now, req.linkGen),
          report: deps.links.url(req.runKey, unit, 'report', now, req.linkGen),
          status: deps.links.url(req.runKey, unit, 'status', now, req.linkGen),
        }
      : undefined;
    if (req.kind === 'dispatch' && !req.directive) req = { ...req, directive: await directiveOf(req.runKey) };
    const m = renderMessage(req, links);
    const attachments: NonNullable<OutgoingMail['attachments']> = m.attachment ? [m.attachment] : [];
    const signed =
      req.kind === 'dispatch' ? req.directive?.document : req.kind === 'correction' ? req.document : undefined;
    if (signed) {
      if (!deps.documents) throw new Error('the worker has no document store: cannot attach the signed document');
      const content = deps.documents.read(signed);
      attachments.unshift({ filename: signed.fileName, content, contentType: signed.mediaType });
    }
    let out: SendOutcome;
    try {
      out = await deps.mailer.send({
        messageId: id,
        from: deps.from,
        to: req.to,
        replyTo: req.replyTo,
        subject: m.subject,
        text: m.text,
        html: m.html,
        ...(attachments.length ? { attachments } : {}),
        headers: {
          'X-Chidao-Run': req.runKey,
          'X-Chidao-Kind': req.kind,
          ...(unit ? { 'X-Chidao-Unit': unit } : {}),
          'X-Chidao-Check': deps.links.messageCheck(id),
        },
      });
    } catch (e) {
      if (e instanceof SmtpUnavailable) {
        deps.mailHealth?.failed(e.message, req);
        throw smtpUnavailable(e);
      }
      if (e instanceof RecipientRejected) {
        // The server answered: it is up, and this address is wrong. Our line says so; the SDK's stays at DEBUG.
        deps.mailHealth?.succeeded();
        log.warn('recipient rejected', { messageId: id, to: req.to, error: e.message });
        await auditMessage(req, id, 'delivery-failed', { error: e.message });
        throw ApplicationFailure.create({
          type: 'RecipientRejected',
          message: e.message,
          nonRetryable: true,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      throw e;
    }
    deps.mailHealth?.succeeded();
    // The window: a crash after SMTP accepted and before this line sends the message again on retry.
    await deps.sentLog.record(req.runKey, { messageId: id, at: new Date().toISOString(), to: req.to, ...out });
    await auditMessage(req, id, 'message-sent', { accepted: out.accepted, rejected: out.rejected, smtp: out.response });
    return { messageId: id, duplicate: false, ...out };
  }

  /** The Office's digest: counts by stage and the overdue units, read from the run's batches. */
  async function sendDigest({ runWorkflowId, seq }: { runWorkflowId: string; seq: number }): Promise<SendResult> {
    const { status, rows } = await readRunRows(deps.client, runWorkflowId);
    const counts: StageCounts = {};
    for (const r of rows) {
      counts[r.stage] = (counts[r.stage] ?? 0) + 1;
      if (r.overdue) counts.overdue = (counts.overdue ?? 0) + 1;
    }
    const overdue = rows.filter((r) => r.overdue).map((r) => ({ code: r.code, name: r.name, stage: r.stage as Stage }));
    return sendMessage({
      runKey: status.key,
      ref: status.ref,
      subject: status.subject,
      party: 'office-digest',
      seq,
      to: status.office.emails,
      replyTo: status.office.emails,
      officeName: status.office.name,
      kind: 'digest',
      counts,
      total: rows.length,
      overdue,
    });
  }

  /** An act decided by a workflow (acknowledgement, report, extension, recall…), written once. */
  async function recordAudit(act: Omit<AuditAct, 'workflowId' | 'runId'>): Promise<AuditRecord> {
    const { activityId: _a, eventId: _e, ...where } = origin();
    return deps.audit.append({ ...act, ...where });
  }

  const none = () =>
    Promise.reject(ApplicationFailure.nonRetryable('this worker has no webhook subscriptions', 'NoWebhooks'));
  const { deliverWebhook, noteWebhookGaveUp } = deps.webhooks
    ? createWebhookActivities(deps.webhooks)
    : { deliverWebhook: none, noteWebhookGaveUp: none };

  /**
   * A read of the data folder: the same answer on a retry, so safe to repeat. A store it cannot read
   * (a damaged file, a permission) must not stall the unit's follow-up: the run's own copy then stands.
   */
  async function contactsInEffect(input: { registry: string; unit: string }) {
    try {
      return deps.registries?.contacts(input.registry, input.unit) ?? null;
    } catch (e) {
      log.warn('registry unreadable; escalation uses the run’s copy', { error: (e as Error).message, ...input });
      return null;
    }
  }

  return { sendMessage, sendDigest, recordAudit, deliverWebhook, noteWebhookGaveUp, contactsInEffect };
}
