import type { Effects } from './unit-effects';
import { LifecycleRefusal, type Actor, type UnitSnapshot } from './unit-model';

/**
 * The first time a unit opens its page or the document through its link (edXML 01 "đã đến" ↔ our "đã
 * xem"). Later views are refused by the validator, so they add nothing to the unit's history.
 */
export function checkMarkViewed(s: UnitSnapshot): void {
  if (s.viewedAt !== undefined) throw new LifecycleRefusal('AlreadyViewed', 'Đơn vị đã xem văn bản trước đó.');
  if (s.stage === 'dispatching' || s.stage === 'undeliverable')
    throw new LifecycleRefusal('NotDelivered', 'Văn bản chưa được gửi tới đơn vị.');
}

export function markViewed(s: UnitSnapshot, at: number, by: Actor): Effects {
  checkMarkViewed(s);
  s.viewedAt = at;
  return { audit: { kind: 'viewed', data: { stage: s.stage }, actor: by } };
}
