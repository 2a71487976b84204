import { officeActor, type Effects, type MessageBody } from './unit-effects';
import type { Actor, ReportInput, ReportRecord, UnitSnapshot } from './unit-model';
import {
  checkRequireView,
  checkReturn,
  checkReview,
  checkSubmitReport,
  currentReport,
  firstReportDeadline,
  pendingReport,
  type UnitRules,
} from './unit-rules';

// The report acts of a unit's state machine (unit-state.ts), over its snapshot: submit, accept, return.

const party = (s: UnitSnapshot) => ({ code: s.unit.code, name: s.unit.name });

/** A report that acknowledges (the unit had not) is held by `requireView` as the acknowledgement itself is. */
export function checkImpliedAcknowledge(s: UnitSnapshot, rules: UnitRules, by: Actor): void {
  if (s.acknowledgedAt === undefined) checkRequireView(s, rules, by);
}

/** A report implies receipt: an unacknowledged unit that reports is acknowledged too. */
export function submitReport(s: UnitSnapshot, rules: UnitRules, at: number, r: ReportInput): Effects {
  const cur = checkSubmitReport(s, rules.policy, r.text, r.obligation);
  checkImpliedAcknowledge(s, rules, r.by);
  const named = r.fileName ? { fileName: r.fileName } : {};
  const file = { ...named, ...(r.sha256 ? { sha256: r.sha256 } : {}) };
  if (s.acknowledgedAt === undefined) s.acknowledgedAt = at;
  // …and of every corrected version it was sent (none in runs without corrections).
  for (const c of s.corrections ?? []) c.acknowledgedAt ??= at;
  const { id: obligation, title: reportTitle } = cur.obligation;
  const record: ReportRecord = { obligation, cycle: cur.cycle, submittedAt: at, by: r.by, text: r.text, ...file };
  s.reports.push(record);
  Object.assign(s, { stage: 'reported', overdue: false, escalationLevel: 0 });
  const data = { obligation, cycle: cur.cycle, textLength: r.text.length, ...file };
  const body: MessageBody = { kind: 'report-received', unit: party(s), reportTitle, text: r.text, ...named };
  return { audit: { kind: 'report-submitted', data, actor: r.by }, mail: { to: { kind: 'office' }, body } };
}

/** Accepts the pending report; the next report (or cycle), if any, is due from the dispatch. */
export function acceptReport(s: UnitSnapshot, rules: UnitRules, at: number, by: string): Effects {
  checkReview(s);
  const accepted = currentReport(s, rules.policy)!;
  pendingReport(s).verdict = 'accepted';
  const recurrence = accepted.obligation.recurrence;
  if (recurrence && accepted.cycle + 1 < recurrence.count) s.reportCycle++;
  else Object.assign(s, { reportIndex: s.reportIndex + 1, reportCycle: 0 });
  delete s.reportDeadline;
  const following = currentReport(s, rules.policy);
  let next: { title: string; due: number } | undefined;
  if (!following) s.stage = 'done';
  else {
    s.stage = 'acknowledged';
    s.reportDeadline = firstReportDeadline(s, rules, at);
    s.deadlineSetAt = at;
    next = { title: following.obligation.title, due: s.reportDeadline! };
  }
  const data = { obligation: accepted.obligation.id, cycle: accepted.cycle };
  const reportTitle = accepted.obligation.title;
  const body: MessageBody = { kind: 'report-accepted', unit: party(s), reportTitle, ...(next ? { next } : {}) };
  return { audit: { kind: 'report-accepted', data, actor: officeActor(by) }, mail: { to: { kind: 'unit' }, body } };
}

/** Returns the pending report with a reason; a new report is due by `until`. */
export function returnReport(
  s: UnitSnapshot,
  rules: UnitRules,
  at: number,
  by: string,
  reason: string,
  until: number,
): Effects {
  checkReturn(s, reason, until, at);
  const reportTitle = currentReport(s, rules.policy)!.obligation.title;
  Object.assign(pendingReport(s), { verdict: 'returned', verdictReason: reason });
  Object.assign(s, { reportDeadline: until, stage: 'returned', deadlineSetAt: at });
  const body: MessageBody = { kind: 'report-returned', unit: party(s), reportTitle, reason, due: until };
  return {
    audit: { kind: 'report-returned', data: { reason, until }, actor: officeActor(by) },
    mail: { to: { kind: 'unit' }, body },
  };
}
