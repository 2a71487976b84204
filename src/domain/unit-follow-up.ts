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

/** The next step not yet taken for the unit's current deadline, if any. */
export function nextFollowUp(s: UnitSnapshot, rules: UnitRules): FollowUpStep | undefined {
  const cur = currentDeadline(s);
  // The clock is stopped while the Office owes an answer; the answer moves the deadline and re-plans.
  if (!cur || s.pausedSince !== undefined) return undefined;
  const report = currentReport(s, rules.policy);
  const scope = cur.target === 'report' && report ? `report:${report.obligation.id}:${report.cycle}` : 'ack';
  const schedule = followUpSchedule(scope, cur.at, s.deadlineSetAt ?? 0, rules.policy, rules.cal);
  const item = schedule.find((i) => !s.firedKeys.includes(i.key));
  return item && { item, target: cur.target, deadline: cur.at };
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
