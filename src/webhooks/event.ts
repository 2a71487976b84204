import type { AuditRecord } from '../audit/record';

/** What a webhook receiver gets: one audit record, as an event. */
export interface WebhookEvent {
  /** The audit record's key: the same act is always the same event id. */
  id: string;
  type: string;
  timestamp: string;
  data: {
    runKey: string;
    unit?: string | undefined;
    actor?: AuditRecord['actor'];
    detail: Record<string, unknown>;
  };
}

/**
 * The event type of an audit record: its kind ("acknowledged", "report-submitted", "recalled"…), and for
 * a message sent, what was sent ("sent.dispatch", "sent.reminder", "sent.escalation").
 */
export function eventType(r: Pick<AuditRecord, 'kind' | 'data'>): string {
  return r.kind === 'message-sent' ? `sent.${String(r.data.messageKind ?? 'message')}` : r.kind;
}

export function eventOf(r: AuditRecord): WebhookEvent {
  return {
    id: r.key,
    type: eventType(r),
    timestamp: r.at,
    data: { runKey: r.runKey, unit: r.unit, actor: r.actor, detail: r.data },
  };
}
