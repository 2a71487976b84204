import { WorkingCalendar } from './calendar';
import { VN_PUBLIC_SECTOR_CALENDAR, type CalendarData } from './holidays-vn';
import { followUpSchedule } from './follow-up';
import { reportDeadline, resolveDeadline, type DeadlineSpec } from './schedule';
import { officeActor, type Effects } from './unit-effects';
import { FINAL_STAGES, LifecycleRefusal, type CalendarChange, type UnitSnapshot } from './unit-model';
import { currentDeadline, currentReport, refuseIfStopped, type UnitRules } from './unit-rules';

/** At most this many years in one calendar change (a file covers a year or two). */
export const MAX_CALENDAR_YEARS = 10;
const KEPT_CHANGES = 20;

/** The calendar a unit follows: the built-in years, replaced by the run's override and any later change. */
export function calendarFrom(override: CalendarData | undefined): WorkingCalendar {
  return new WorkingCalendar(override ? { ...VN_PUBLIC_SECTOR_CALENDAR, ...override } : VN_PUBLIC_SECTOR_CALENDAR);
}

export function checkChangeCalendar(s: UnitSnapshot, data: CalendarData): void {
  refuseIfStopped(s);
  const years = Object.keys(data);
  if (!years.length || years.length > MAX_CALENDAR_YEARS || years.some((y) => !/^\d{4}$/.test(y)))
    throw new LifecycleRefusal('BadInput', `Lịch mới phải có từ 1 đến ${MAX_CALENDAR_YEARS} năm, mỗi năm 4 chữ số.`);
  try {
    calendarFrom(data); // a malformed date is refused here, in the validator, before anything changes
  } catch (e) {
    throw new LifecycleRefusal('BadInput', `Lịch mới có ngày không hợp lệ: ${(e as Error).message}`);
  }
}

/** Only deadlines counted in days depend on the calendar: an instant or an exact period does not move. */
const countsDays = (spec: DeadlineSpec) => 'date' in spec || ('within' in spec && spec.within.kind !== 'exact');

/**
 * A new calendar (a day off announced after dispatch, Tết confirmed): the unit follows it from now on.
 * A deadline still set by the policy's rule is counted again from the dispatch; one the Office set
 * (an extension, a returned report's new date) stays, as the Office chose it. Reminders and escalations
 * follow on their own, from the new calendar. Said to the unit when its deadline moved.
 */
export function changeCalendar(
  s: UnitSnapshot,
  rules: UnitRules,
  data: CalendarData,
  source: string,
  at: number,
  by: string,
): Effects & { moved: CalendarChange['moved']; affected: boolean } {
  checkChangeCalendar(s, data);
  const before = currentDeadline(s);
  const plan = (r: UnitRules) =>
    before ? followUpSchedule('x', before.at, s.deadlineSetAt ?? at, r.policy, r.cal).map((i) => i.at) : [];
  const oldPlan = plan(rules).filter((t) => t > at);
  s.calendarOverride = { ...s.calendarOverride, ...data };
  rules.cal = calendarFrom(s.calendarOverride);

  const moved: CalendarChange['moved'] = [];
  const byOffice = (target: 'acknowledge' | 'report', held: number) =>
    s.extensions.some((e) => e.target === target && e.until === held);
  if (before && s.dispatchedAt !== undefined && !FINAL_STAGES.includes(s.stage)) {
    const { target } = before;
    let until: number | undefined;
    if (target === 'acknowledge' && countsDays(rules.policy.acknowledge.due) && !byOffice(target, before.at))
      until = resolveDeadline(rules.policy.acknowledge.due, s.dispatchedAt, rules.cal);
    const cur = target === 'report' ? currentReport(s, rules.policy) : undefined;
    const returned = s.reports.some((r) => r.cycle === cur?.cycle && r.obligation === cur?.obligation.id && r.verdict);
    if (cur && countsDays(cur.obligation.due) && !byOffice(target, before.at) && !returned)
      until = reportDeadline(cur.obligation, cur.cycle, s.dispatchedAt, rules.cal);
    if (until !== undefined && until !== before.at) {
      moved.push({ target, from: before.at, until });
      if (target === 'acknowledge') s.ackDeadline = until;
      else s.reportDeadline = until;
      // Like an extension: reminders for the new date only from now on; a later date is not late yet.
      s.deadlineSetAt = at;
      if (until > at) Object.assign(s, { overdue: false, escalationLevel: 0 });
    }
  }
  const newPlan = before && !moved.length ? plan(rules).filter((t) => t > at) : [];
  const affected = moved.length > 0 || oldPlan.join() !== newPlan.join();
  if (affected) s.calendarChanges = [...(s.calendarChanges ?? []), { at, source, moved }].slice(-KEPT_CHANGES);
  const reason = `lịch nghỉ mới (${source})`;
  const m = moved[0];
  // Recorded for every unit it reached, affected or not: the trail shows which calendar each unit followed.
  return {
    moved,
    affected,
    audit: { kind: 'calendar-changed', data: { source, affected, moved }, actor: officeActor(by) },
    ...(m
      ? {
          mail: {
            to: { kind: 'unit' as const },
            body: { kind: 'deadline-moved' as const, unit: { code: s.unit.code, name: s.unit.name }, ...m, reason },
          },
        }
      : {}),
  };
}
