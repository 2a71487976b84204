import type { MessageRequest } from './messages';
import type { Actor } from './unit-model';

/** The fields of a message a workflow fills in when it sends (ids, sequence, addresses, the Office). */
type EnvelopeKeys =
  'runKey' | 'ref' | 'subject' | 'party' | 'seq' | 'to' | 'replyTo' | 'officeName' | 'eventId' | 'linkGen';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a message says; the workflow wraps it in its envelope when it sends it. */
export type MessageBody = DistributiveOmit<MessageRequest, EnvelopeKeys>;

/**
 * Whom a message goes to: the unit's own addresses (a refusal is reported to the Office, not fatal),
 * the Office, or a person of the unit (head, leader) by their own address.
 */
export type MailTo = { kind: 'unit' } | { kind: 'office' } | { kind: 'person'; party: string; email: string };

export interface Mail {
  to: MailTo;
  body: MessageBody;
}

/** Audit kinds a unit's acts produce (a subset of the audit store's kinds). */
export type UnitAuditKind =
  | 'acknowledged'
  | 'report-submitted'
  | 'report-accepted'
  | 'report-returned'
  | 'extension-granted'
  | 'extension-requested'
  | 'difficulty-raised'
  | 'difficulty-answered'
  | 'address-corrected'
  | 'calendar-changed'
  | 'correction-received'
  | 'viewed'
  | 'bounced'
  | 'dispatch-resent';

export interface AuditEffect {
  kind: UnitAuditKind;
  data: Record<string, unknown>;
  actor: Actor;
}

/**
 * What an act asks the world to do, in this order: publish the unit's row, record the audit, send the
 * mail. The order is the workflow's command order, which replays of old histories depend on.
 */
export interface Effects {
  audit?: AuditEffect;
  mail?: Mail;
}

export const officeActor = (by: string): Actor => ({ channel: 'office', by });
