import type { WorkingCalendar } from './calendar';
import type { EscalationStep, Policy } from './policy';
import { escalationAt, inOfficeHours, reminderAt } from './schedule';

/** One thing to do while waiting for a unit: remind it, mark it overdue, or escalate a step. */
export interface FollowUpItem {
  key: string;
  at: number;
  kind: 'reminder' | 'overdue' | 'escalation';
  /** 1-based escalation level, for escalation items. */
  level?: number;
  step?: EscalationStep;
}

/**
 * The follow-up schedule for one deadline. Keys carry the deadline itself, so an extension re-arms every
 * reminder for the new date while the ones already sent for the old date stay sent. Reminders whose
 * moment had passed before the deadline was set are left out: a unit given two days is not told it has three.
 * Held to office hours, a reminder that would only go out after the deadline is left out too.
 */
export function followUpSchedule(
  scope: string,
  deadline: number,
  setAt: number,
  policy: Pick<Policy, 'reminders' | 'escalation' | 'officeHours'>,
  cal: WorkingCalendar,
): FollowUpItem[] {
  const items: FollowUpItem[] = [];
  // Policies written before office hours existed have no such field: their times stay as they were.
  const held = (at: number) => (policy.officeHours ? inOfficeHours(at, cal) : at);
  policy.reminders.forEach((before, i) => {
    const at = held(reminderAt(deadline, before, cal));
    if (at > setAt && at < deadline) items.push({ key: `${scope}@${deadline}:r${i}`, at, kind: 'reminder' });
  });
  items.push({ key: `${scope}@${deadline}:overdue`, at: deadline, kind: 'overdue' });
  policy.escalation.forEach((step, i) => {
    items.push({
      key: `${scope}@${deadline}:e${i + 1}`,
      at: held(Math.max(escalationAt(deadline, step.after, cal), deadline)),
      kind: 'escalation',
      level: i + 1,
      step,
    });
  });
  // Stable order: by time, then reminders before the overdue mark before escalations.
  const rank = { reminder: 0, overdue: 1, escalation: 2 } as const;
  return items.sort((a, b) => a.at - b.at || rank[a.kind] - rank[b.kind] || (a.level ?? 0) - (b.level ?? 0));
}
