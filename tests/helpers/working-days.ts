import { addDays, weekday } from '../../src/domain/calendar';
import type { CalendarData } from '../../src/domain/holidays-vn';

/**
 * A calendar override built from today, for lifecycles on the time-skipping server (whose clock starts at
 * the real "now"): every weekday between today and the next Friday is a day off, and so is the Monday
 * after that Friday. "2 ngày làm việc" then means that Friday and, across the weekend and the Monday off,
 * the Tuesday.
 */
/** The override and the days it makes, from the local (Hà Nội) date of dispatch. */
export function daysFrom(today: string) {
  let friday = addDays(today, 1);
  while (weekday(friday) !== 5) friday = addDays(friday, 1);
  const monday = addDays(friday, 3);
  const daysOff: string[] = [];
  for (let d = addDays(today, 1); d < friday; d = addDays(d, 1))
    if (weekday(d) !== 0 && weekday(d) !== 6) daysOff.push(d);
  daysOff.push(monday);
  // An override replaces whole years: give both years the window may touch the same days.
  const years = new Set([today.slice(0, 4), addDays(friday, 7).slice(0, 4)]);
  const override: CalendarData = Object.fromEntries([...years].map((y) => [y, { daysOff, workingSaturdays: [] }]));
  return { friday, monday, tuesday: addDays(friday, 4), wednesday: addDays(friday, 5), override, daysOff };
}
