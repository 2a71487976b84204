import { explainHeld } from './explain';
import { reportDeadline } from './schedule';
import { officeActor, type AuditEffect, type MessageBody } from './unit-effects';
import { LifecycleRefusal, type UnitSnapshot } from './unit-model';
import { checkCorrectAddress, refuseIfStopped, type UnitRules } from './unit-rules';

/** The directive to the unit, with the deadlines as set at its (first) dispatch. */
export function dispatchBody(s: UnitSnapshot, rules: UnitRules, ackDeadline: number, from: number): MessageBody {
  const { policy, cal } = rules;
  const reports = policy.reports.map((r) => {
    const due = reportDeadline(r, 0, from, cal);
    return { title: r.title, due, why: explainHeld(r.due, from, due, cal) };
  });
  const { code, name, role, purpose } = s.unit;
  const ackWhy = explainHeld(policy.acknowledge.due, from, ackDeadline, cal);
  return { kind: 'dispatch', unit: { code, name }, role, purpose, ackDeadline, ackWhy, reports };
}

/**
 * New addresses; links sent to the old ones stop working. A partly refused dispatch goes again to the
 * addresses that are new (`resend`); a wholly refused one resumes in the dispatch loop.
 */
/** Times the Office may send a unit its dispatch again: enough for "we never got it", not a mail cannon. */
export const MAX_RESENDS = 5;

/** The dispatch again, to the unit's addresses as they are: for a unit that says it never received it. */
export function checkResendDispatch(s: UnitSnapshot): void {
  refuseIfStopped(s);
  if (s.dispatchedAt === undefined || s.stage === 'undeliverable')
    throw new LifecycleRefusal(
      'NotDelivered',
      'Văn bản chưa gửi được tới đơn vị: hãy sửa địa chỉ (văn bản sẽ được gửi lại tới địa chỉ mới).',
    );
  if (s.acknowledgedAt !== undefined)
    throw new LifecycleRefusal('AlreadyAcknowledged', 'Đơn vị đã xác nhận nhận văn bản; không cần gửi lại.');
  if ((s.resends ?? 0) >= MAX_RESENDS)
    throw new LifecycleRefusal('TooMany', `Đã gửi lại ${MAX_RESENDS} lần; hãy liên hệ đơn vị qua điện thoại.`);
}

export function resendDispatch(s: UnitSnapshot, by: string): AuditEffect {
  checkResendDispatch(s);
  s.resends = (s.resends ?? 0) + 1;
  return { kind: 'dispatch-resent', data: { to: s.unit.emails, count: s.resends }, actor: officeActor(by) };
}

export function correctAddress(
  s: UnitSnapshot,
  by: string,
  emails: string[],
): { resend: string[]; audit: AuditEffect } {
  checkCorrectAddress(s, emails);
  const before = s.unit.emails;
  const known = new Set(before.map((e) => e.toLowerCase()));
  s.unit = { ...s.unit, emails };
  s.linkGeneration = (s.linkGeneration ?? 0) + 1;
  const added = emails.filter((e) => !known.has(e.toLowerCase()));
  const resend = s.rejectedAddresses?.length && s.dispatchedAt !== undefined ? added : [];
  if (resend.length) {
    delete s.rejectedAddresses;
    delete s.deliveryError;
  }
  return { resend, audit: { kind: 'address-corrected', data: { from: before, to: emails }, actor: officeActor(by) } };
}
