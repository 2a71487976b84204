import type { Config } from '../config';
import { WorkingCalendar } from '../domain/calendar';
import type { CalendarData } from '../domain/holidays-vn';
import { loadCalendarOverride } from './load';

/** The working calendar in effect: the built-in one, with the administrator's file (or `file`) over it. */
export function calendarFromConfig(cfg: Config, file?: string): { calendar: WorkingCalendar; override?: CalendarData } {
  const path = file ?? cfg.CHIDAO_CALENDAR_FILE;
  if (!path) return { calendar: new WorkingCalendar() };
  const override = loadCalendarOverride(path);
  return { calendar: new WorkingCalendar().withOverride(override, `tệp ${path}`), override };
}
