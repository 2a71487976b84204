import { addDays, endOfDay, instantAt, localDateOf, type LocalDate, type WorkingCalendar } from './calendar';
import type { Duration } from './duration';
import type { Period } from './policy';

/** Reminders and escalations fire at the start of office hours, not at midnight. */
export const OFFICE_HOURS_START = { hour: 8, minute: 0 };
/** The end of office hours (giờ hành chính): follow-up held to office hours waits for the next morning. */
export const OFFICE_HOURS_END = { hour: 17, minute: 0 };

/** The first moment at or after `at` that falls within office hours (08:00–17:00) of a working day. */
export function inOfficeHours(at: number, cal: WorkingCalendar): number {
  const day = localDateOf(at);
  const open = instantAt(day, OFFICE_HOURS_START.hour, OFFICE_HOURS_START.minute);
  const close = instantAt(day, OFFICE_HOURS_END.hour, OFFICE_HOURS_END.minute);
  if (cal.isWorkingDay(day) && at < close) return Math.max(at, open);
  return instantAt(cal.onOrAfter(addDays(day, 1)), OFFICE_HOURS_START.hour, OFFICE_HOURS_START.minute);
}

/** A deadline as the Office writes it: a date, an exact instant, or a period after dispatch. */
export type DeadlineSpec = { date: LocalDate } | { instant: number } | { within: Duration };

/**
 * When a deadline falls. A date or a period in days ends at 24:00 of its last day, and a last day that is
 * a weekend or day off moves to the next working day (Civil Code 2015, Arts. 147–148). The dispatch day
 * itself is not counted. Exact periods (ISO 8601) run from the moment of dispatch.
 */
export function resolveDeadline(spec: DeadlineSpec, from: number, cal: WorkingCalendar): number {
  if ('instant' in spec) return spec.instant;
  if ('date' in spec) return endOfDay(cal.onOrAfter(spec.date));
  const d = spec.within;
  const start = localDateOf(from);
  switch (d.kind) {
    case 'exact':
      return from + d.ms;
    case 'working':
      return endOfDay(cal.addWorkingDays(start, d.days));
    case 'calendar':
      return endOfDay(cal.onOrAfter(addDays(start, d.days)));
  }
}

/** The local date a deadline belongs to (a deadline at 24:00 belongs to the day that ends). */
export function deadlineDate(deadline: number): LocalDate {
  return localDateOf(deadline - 1);
}

/** When to remind a unit `before` its deadline; a zero period means "on the day". */
export function reminderAt(deadline: number, before: Duration, cal: WorkingCalendar): number {
  const { hour, minute } = OFFICE_HOURS_START;
  const day = deadlineDate(deadline);
  switch (before.kind) {
    case 'exact':
      return deadline - before.ms;
    case 'working':
      return instantAt(cal.addWorkingDays(cal.onOrBefore(day), -before.days), hour, minute);
    case 'calendar':
      return instantAt(cal.onOrBefore(addDays(day, -before.days)), hour, minute);
  }
}

/** When a unit has been overdue `after` long: escalation fires then. */
export function escalationAt(deadline: number, after: Duration, cal: WorkingCalendar): number {
  const { hour, minute } = OFFICE_HOURS_START;
  const day = deadlineDate(deadline);
  switch (after.kind) {
    case 'exact':
      return deadline + after.ms;
    case 'working':
      return instantAt(cal.addWorkingDays(day, Math.max(after.days, 1)), hour, minute);
    case 'calendar':
      return instantAt(cal.onOrAfter(addDays(day, Math.max(after.days, 1))), hour, minute);
  }
}

/** How late a unit is, in words an Office reads: working days for date deadlines, else minutes. */
export function lateness(deadline: number, now: number, cal: WorkingCalendar): { workingDays: number; ms: number } {
  const ms = Math.max(0, now - deadline);
  return { ms, workingDays: ms === 0 ? 0 : cal.workingDaysBetween(deadlineDate(deadline), localDateOf(now)) };
}

/** Adds calendar months to a date, clamping to the month's last day (31/1 + 1 month = 28 or 29/2). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${String(ny).padStart(4, '0')}-${String(nm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/**
 * The deadline of cycle `cycle` of a (possibly recurring) report: the first cycle's deadline, then one
 * period later for each cycle, each moved off days off on its own.
 */
export function reportDeadline(
  obligation: { due: DeadlineSpec; recurrence?: { every: Period; count: number } | undefined },
  cycle: number,
  dispatchedAt: number,
  cal: WorkingCalendar,
): number {
  const first = resolveDeadline(obligation.due, dispatchedAt, cal);
  const every = obligation.recurrence?.every;
  if (cycle === 0 || !every) return first;
  switch (every.kind) {
    case 'exact':
      return first + cycle * every.ms;
    case 'months':
      return endOfDay(cal.onOrAfter(addMonths(nominalDate(obligation.due, dispatchedAt, cal), cycle * every.months)));
    case 'calendar':
      return endOfDay(cal.onOrAfter(addDays(nominalDate(obligation.due, dispatchedAt, cal), cycle * every.days)));
    case 'working':
      return endOfDay(cal.addWorkingDays(deadlineDate(first), cycle * every.days));
  }
}

/** The date a deadline was written for, before moving it off a day off: later cycles count from it. */
function nominalDate(spec: DeadlineSpec, from: number, cal: WorkingCalendar): LocalDate {
  if ('date' in spec) return spec.date;
  return deadlineDate(resolveDeadline(spec, from, cal));
}
