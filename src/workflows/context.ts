import type { CalendarData } from '../domain/holidays-vn';
import type { Directive } from '../domain/directive';
import type { OfficeInfo } from '../domain/plan';
import { WorkingCalendar } from '../domain/calendar';
import { VN_PUBLIC_SECTOR_CALENDAR } from '../domain/holidays-vn';

/** What every workflow of a run shares. Small: the registry never travels whole. */
export interface RunContext {
  /** directiveKey: 2023-4432-TCTHADS-VP */
  key: string;
  /** 4432/TCTHADS-VP */
  ref: string;
  directive: Directive;
  office: OfficeInfo;
  /** Years that replace the built-in calendar's (an administrator's calendar file). */
  calendarOverride?: CalendarData;
  /** Off on servers without visibility (the time-skipping test server). */
  searchAttributes: boolean;
  /** Implementing units per batch workflow: bounds each batch's history. */
  batchSize: number;
}

export function calendarOf(ctx: Pick<RunContext, 'calendarOverride'>): WorkingCalendar {
  return new WorkingCalendar(ctx.calendarOverride ? { ...VN_PUBLIC_SECTOR_CALENDAR, ...ctx.calendarOverride } : VN_PUBLIC_SECTOR_CALENDAR);
}
