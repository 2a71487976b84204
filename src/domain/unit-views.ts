import type { Effects } from './unit-effects';
import { LifecycleRefusal, type Actor, type UnitSnapshot } from './unit-model';

/** What was opened: the page (the default), or the signed document itself, recorded once more. */
export interface ViewedWhat {
  document?: boolean;
}

/**
 * The first time a unit opens its page or the document through its link (edXML 01 "đã đến" ↔ our "đã
 * xem"). Later views are refused by the validator, so they add nothing to the unit's history.
 */
export function checkMarkViewed(s: UnitSnapshot, what: ViewedWhat = {}): void {
  const seen = what.document ? s.documentOpenedAt : s.viewedAt;
  if (seen !== undefined) throw new LifecycleRefusal('AlreadyViewed', 'Đơn vị đã xem văn bản trước đó.');
  if (s.stage === 'dispatching' || s.stage === 'undeliverable')
    throw new LifecycleRefusal('NotDelivered', 'Văn bản chưa được gửi tới đơn vị.');
}

export function markViewed(s: UnitSnapshot, at: number, by: Actor, what: ViewedWhat = {}): Effects {
  checkMarkViewed(s, what);
  s.viewedAt ??= at;
  if (what.document) s.documentOpenedAt = at;
  return {
    audit: { kind: 'viewed', data: { stage: s.stage, ...(what.document ? { document: true } : {}) }, actor: by },
  };
}
