import type { History } from '@temporalio/common/lib/proto-utils';
import { messageId, type MessageRequest } from '../domain/messages';
import { AUDIT_PATCH } from './patch';
import type { AuditKind } from './record';
import type { NamedHistory } from './histories';

/** What the histories say happened, independent of the audit records. */
export interface HistoryAct {
  workflowId: string;
  runId: string;
  eventId: number;
  at: number;
  kind: 'message' | 'delivery-failed' | 'update' | 'signal' | 'started' | 'completed';
  /** For messages: the Message-ID without its domain. */
  messageLocalId?: string;
  request?: MessageRequest;
  update?: string;
  args?: unknown[];
  signal?: string;
}

type Payload = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };

function decode(p?: Payload | null): unknown {
  if (!p?.data) return undefined;
  const encoding = p.metadata?.encoding ? Buffer.from(p.metadata.encoding).toString() : 'json/plain';
  if (encoding !== 'json/plain') return undefined;
  return JSON.parse(Buffer.from(p.data).toString('utf8'));
}

const decodeAll = (ps?: { payloads?: Payload[] | null } | null) => (ps?.payloads ?? []).map(decode);

function toMs(t?: { seconds?: unknown; nanos?: number | null } | null): number {
  if (!t) return 0;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

export const UPDATE_KIND: Record<string, AuditKind> = {
  acknowledge: 'acknowledged',
  submitReport: 'report-submitted',
  acceptReport: 'report-accepted',
  returnReport: 'report-returned',
  extend: 'extension-granted',
  changeCalendar: 'calendar-changed',
  requestExtension: 'extension-requested',
  raiseDifficulty: 'difficulty-raised',
  answerDifficulty: 'difficulty-answered',
  correctAddress: 'address-corrected',
  close: 'closed',
  recall: 'recalled',
  addRecipients: 'recipients-added',
  correct: 'directive-corrected',
  receiveCorrection: 'correction-received',
  markViewed: 'viewed',
  bounce: 'bounced',
  resendDispatch: 'dispatch-resent',
};

export const localId = (id: string) => id.replace(/@[^>]*>$/, '');

/** Reads the externally visible acts out of one workflow history. */
export function actsOf(h: NamedHistory): { acts: HistoryAct[]; audited: boolean } {
  const events = (h.history as History).events ?? [];
  const acts: HistoryAct[] = [];
  const scheduled = new Map<string, { type: string; input: unknown[] }>();
  const accepted = new Map<string, { name: string; args: unknown[]; eventId: number }>();
  let runId = '';
  let audited = false;
  for (const e of events) {
    const eventId = Number(e.eventId);
    const at = toMs(e.eventTime);
    const base = { workflowId: h.workflowId, runId, eventId, at };
    if (e.workflowExecutionStartedEventAttributes) {
      runId = e.workflowExecutionStartedEventAttributes.originalExecutionRunId ?? '';
      acts.push({ ...base, runId, kind: 'started' });
    } else if (e.markerRecordedEventAttributes) {
      // Core's patch marker: details["patch-data"] holds {"id", "deprecated"} as JSON.
      const id = decode(e.markerRecordedEventAttributes.details?.['patch-data']?.payloads?.[0]) as
        { id?: string } | undefined;
      if (id?.id === AUDIT_PATCH) audited = true;
    } else if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      scheduled.set(String(eventId), { type: a.activityType?.name ?? '', input: decodeAll(a.input) });
    } else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes) {
      const ref = String(
        (e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes)!.scheduledEventId,
      );
      const s = scheduled.get(ref);
      if (s?.type === 'sendMessage') {
        const req = s.input[0] as MessageRequest;
        acts.push({
          ...base,
          eventId: Number(ref),
          kind: e.activityTaskCompletedEventAttributes ? 'message' : 'delivery-failed',
          request: req,
          messageLocalId: localId(messageId(req, 'x')),
        });
      } else if (s?.type === 'sendDigest' && e.activityTaskCompletedEventAttributes) {
        const result = decodeAll(e.activityTaskCompletedEventAttributes.result)[0] as
          { messageId?: string } | undefined;
        if (result?.messageId)
          acts.push({ ...base, eventId: Number(ref), kind: 'message', messageLocalId: localId(result.messageId) });
      }
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const a = e.workflowExecutionUpdateAcceptedEventAttributes;
      accepted.set(a.protocolInstanceId ?? '', {
        name: a.acceptedRequest?.input?.name ?? '',
        args: decodeAll(a.acceptedRequest?.input?.args),
        eventId,
      });
    } else if (e.workflowExecutionUpdateCompletedEventAttributes) {
      const c = e.workflowExecutionUpdateCompletedEventAttributes;
      const acc = accepted.get(c.meta?.updateId ?? '');
      if (acc && !c.outcome?.failure)
        acts.push({ ...base, eventId: acc.eventId, kind: 'update', update: acc.name, args: acc.args });
    } else if (e.workflowExecutionSignaledEventAttributes) {
      const s = e.workflowExecutionSignaledEventAttributes;
      acts.push({ ...base, kind: 'signal', signal: s.signalName ?? '', args: decodeAll(s.input) });
    } else if (e.workflowExecutionCompletedEventAttributes || e.workflowExecutionContinuedAsNewEventAttributes) {
      acts.push({ ...base, kind: 'completed' });
    }
  }
  return { acts, audited };
}

/** An activity the workflow scheduled, as its history tells it. */
export interface HistoryActivity {
  type: string;
  activityId: string;
  scheduledEventId: number;
  scheduledAt: number;
  input: unknown[];
  outcome: 'completed' | 'failed' | 'open';
  result?: unknown;
  /** A failure's type (RecipientRejected…), when the activity failed. */
  failureType?: string;
  closedEventId?: number;
  closedAt?: number;
}

/** What the verifier reads from one history, besides its acts. */
export interface HistoryFacts {
  workflowId: string;
  runId: string;
  /** The run this one continued as new from, if any. */
  continuedFrom?: string;
  /** The workflow's start arguments. */
  input: unknown[];
  audited: boolean;
  acts: HistoryAct[];
  /** Every event's type and time, by event id. */
  events: Map<number, { type: string; at: number }>;
  /** Activities by activity id (unique within a run). */
  activities: Map<string, HistoryActivity>;
  /** Child workflows the run started. */
  children: { workflowId: string; eventId: number }[];
  completed: boolean;
}

function eventType(e: object): string {
  const k = Object.keys(e).find((x) => x.endsWith('EventAttributes') && (e as Record<string, unknown>)[x]);
  return k ? k.replace(/EventAttributes$/, '') : 'unknown';
}

/** Reads a history once for the verifier: events by id, activities with inputs and outcomes, children. */
export function readHistory(h: NamedHistory): HistoryFacts {
  const { acts, audited } = actsOf(h);
  const events = new Map<number, { type: string; at: number }>();
  const activities = new Map<string, HistoryActivity>();
  const bySchedule = new Map<number, HistoryActivity>();
  const children: HistoryFacts['children'] = [];
  let runId = '';
  let continuedFrom: string | undefined;
  let input: unknown[] = [];
  let completed = false;
  for (const e of (h.history as History).events ?? []) {
    const eventId = Number(e.eventId);
    const at = toMs(e.eventTime);
    events.set(eventId, { type: eventType(e), at });
    const started = e.workflowExecutionStartedEventAttributes;
    if (started) {
      runId = started.originalExecutionRunId ?? '';
      continuedFrom = started.continuedExecutionRunId || undefined;
      input = decodeAll(started.input);
    }
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const a: HistoryActivity = {
        type: s.activityType?.name ?? '',
        activityId: s.activityId ?? '',
        scheduledEventId: eventId,
        scheduledAt: at,
        input: decodeAll(s.input),
        outcome: 'open',
      };
      activities.set(a.activityId, a);
      bySchedule.set(eventId, a);
    }
    const done = e.activityTaskCompletedEventAttributes;
    const failed =
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    const a = bySchedule.get(Number((done ?? failed)?.scheduledEventId ?? -1));
    if (a) {
      Object.assign(a, { outcome: done ? 'completed' : 'failed', closedEventId: eventId, closedAt: at });
      if (done) a.result = decodeAll(done.result)[0];
      const info = e.activityTaskFailedEventAttributes?.failure;
      const type = info?.applicationFailureInfo?.type ?? info?.cause?.applicationFailureInfo?.type;
      if (type) a.failureType = type;
    }
    const child = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child?.workflowId) children.push({ workflowId: child.workflowId, eventId });
    if (e.workflowExecutionCompletedEventAttributes || e.workflowExecutionContinuedAsNewEventAttributes)
      completed = true;
  }
  const facts = { workflowId: h.workflowId, runId, input, audited, acts, events, activities, children, completed };
  return { ...facts, ...(continuedFrom ? { continuedFrom } : {}) };
}
