import { followUpSchedule, type FollowUpItem } from './follow-up';
import { lateness } from './schedule';
import { salutation } from './salutation';
import { vnLateness } from './vn-format';
import type { Effects, MessageBody } from './unit-effects';
import type { UnitSnapshot } from './unit-model';
import { currentDeadline, currentReport, type Deadline, type UnitRules } from './unit-rules';

/** The next follow-up step of the current deadline: remind, mark overdue, or escalate. */
export interface FollowUpStep {
  item: FollowUpItem;
  target: Deadline['target'];
  deadline: number;
}

/** The follow-up schedule of the unit's current deadline, if it has one. */
function currentSchedule(s: UnitSnapshot, rules: UnitRules) {
  const cur = currentDeadline(s);
  if (!cur) return undefined;
  const report = currentReport(s, rules.policy);
  const scope = cur.target === 'report' && report ? `report:${report.obligation.id}:${report.cycle}` : 'ack';
  return { cur, items: followUpSchedule(scope, cur.at, s.deadlineSetAt ?? 0, rules.policy, rules.cal) };
}

/** The next step not yet taken for the unit's current deadline, if any. */
export function nextFollowUp(s: UnitSnapshot, rules: UnitRules): FollowUpStep | undefined {
  // The clock is stopped while the Office owes an answer; the answer moves the deadline and re-plans.
  if (s.pausedSince !== undefined) return undefined;
  const sch = currentSchedule(s, rules);
  if (!sch) return undefined;
  const item = sch.items.find((i) => !s.firedKeys.includes(i.key));
  return item && { item, target: sch.cur.target, deadline: sch.cur.at };
}

/**
 * The current deadline moved by a rule (a wait for the Office, a new calendar), not by the Office's
 * choice. A date still ahead starts afresh, like an extension; one still past keeps the unit overdue at
 * its level, and the steps already due by now count as taken: they are not sent again for the new date.
 */
export function moveDeadline(s: UnitSnapshot, rules: UnitRules, target: Deadline['target'], until: number, at: number) {
  if (target === 'acknowledge') s.ackDeadline = until;
  else s.reportDeadline = until;
  s.deadlineSetAt = at;
  if (until > at) {
    Object.assign(s, { overdue: false, escalationLevel: 0 });
    return;
  }
  s.overdue = true;
  for (const i of currentSchedule(s, rules)?.items ?? [])
    if (i.at <= at && !s.firedKeys.includes(i.key)) s.firedKeys.push(i.key);
}

/** Takes a follow-up step and remembers it, so a retry or an extension never doubles it. */
export function takeFollowUp(s: UnitSnapshot, rules: UnitRules, step: FollowUpStep, now: number): Effects {
  const { item, target, deadline } = step;
  const fx: Effects = {};
  const unit = { code: s.unit.code, name: s.unit.name };
  if (item.kind === 'reminder') {
    s.remindersSent++;
    const reportTitle = currentReport(s, rules.policy)?.obligation.title;
    const title = target === 'report' && reportTitle ? { reportTitle } : {};
    fx.mail = { to: { kind: 'unit' }, body: { kind: 'reminder', unit, target, deadline, ...title } };
  } else if (item.kind === 'overdue') {
    s.overdue = true;
  } else if (item.step && item.level) {
    s.escalationLevel = item.level;
    const who = item.step.notify;
    const person = who === 'head' ? s.unit.head : who === 'leader' ? s.unit.leader : undefined;
    // Without a personal address the step goes to the Office, which must know either way.
    const to =
      who !== 'office' && person?.email ? { kind: 'person' as const, party: who, email: person.email } : undefined;
    const addressee = person ? salutation(person) : rules.officeName;
    const late = lateness(deadline, now, rules.cal);
    const body: MessageBody = {
      ...{ kind: 'escalation', unit, target, deadline },
      ...{ late: vnLateness(late.ms, late.workingDays), level: item.level, addressee },
    };
    fx.mail = { to: to ?? { kind: 'office' }, body };
  }
  s.firedKeys.push(item.key);
  return fx;
}
