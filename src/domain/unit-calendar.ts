import { isLocalDate, WorkingCalendar } from './calendar';
import { VN_PUBLIC_SECTOR_CALENDAR, type CalendarData } from './holidays-vn';
import { followUpSchedule } from './follow-up';
import { moveDeadline } from './unit-follow-up';
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
  // As the calendar file's schema checks them: a real date, or a range first ≤ last. Refused here, in the
  // validator, before anything changes.
  const real = (entry: unknown) => {
    const [from = '', to = from, ...rest] = String(entry).split('..');
    return !rest.length && isLocalDate(from) && isLocalDate(to) && from <= to;
  };
  for (const [year, y] of Object.entries(data)) {
    const entries = [...(y?.daysOff ?? []), ...(y?.workingSaturdays ?? []), ...Object.keys(y?.labels ?? {})];
    const wrong = entries.find((e) => !real(e));
    if (!Array.isArray(y?.daysOff) || wrong !== undefined)
      throw new LifecycleRefusal('BadInput', `Lịch mới, năm ${year}: ngày không hợp lệ "${wrong ?? ''}".`);
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
  // The rule's date under a calendar: the policy's deadline counted from the dispatch.
  const ruled = (cal: WorkingCalendar, target: 'acknowledge' | 'report'): number | undefined => {
    if (s.dispatchedAt === undefined) return undefined;
    if (target === 'acknowledge')
      return countsDays(rules.policy.acknowledge.due)
        ? resolveDeadline(rules.policy.acknowledge.due, s.dispatchedAt, cal)
        : undefined;
    const cur = currentReport(s, rules.policy);
    return cur && countsDays(cur.obligation.due)
      ? reportDeadline(cur.obligation, cur.cycle, s.dispatchedAt, cal)
      : undefined;
  };
  // Only a deadline that is still exactly the rule's is counted again: one the Office set (an extension, a
  // returned report's date), one a wait moved, or one set by a dispatch that ended after midnight stays.
  const ruleHeld = before && !FINAL_STAGES.includes(s.stage) && ruled(rules.cal, before.target) === before.at;
  s.calendarOverride = { ...s.calendarOverride, ...data };
  // On top of the calendar the unit had (built in, the run's own file, earlier changes).
  rules.cal = new WorkingCalendar({ ...rules.cal.data, ...data });

  const moved: CalendarChange['moved'] = [];
  if (before && ruleHeld) {
    const until = ruled(rules.cal, before.target);
    if (until !== undefined && until !== before.at) {
      moved.push({ target: before.target, from: before.at, until });
      moveDeadline(s, rules, before.target, until, at);
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
