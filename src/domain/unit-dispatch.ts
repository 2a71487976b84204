import { explainHeld } from './explain';
import { reportDeadline } from './schedule';
import { officeActor, type AuditEffect, type MessageBody } from './unit-effects';
import type { UnitSnapshot } from './unit-model';
import { checkCorrectAddress, type UnitRules } from './unit-rules';

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
