import type { CalendarData } from '../domain/holidays-vn';
// Types only: domain/directive holds zod schemas, and zod in the workflow bundle costs ~2 MB per cached workflow.
import type { Directive, DirectiveHead } from '../domain/directive';
import type { OfficeInfo, RegistryRef } from '../domain/plan';
import type { WorkingCalendar } from '../domain/calendar';
import { calendarFrom } from '../domain/unit-calendar';

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
  /** The registry version the recipients came from (runs started before it was recorded have none). */
  registry?: RegistryRef;
}

/** What batches and lifecycles get: the run's context with only the head of the directive. */
export type UnitContext = Omit<RunContext, 'directive'> & { directive: DirectiveHead };

export function unitContext(ctx: RunContext): UnitContext {
  const { number, symbol, date, subject, urgency, policy, document } = ctx.directive;
  // The file's reference only where a policy needs it: other runs' lifecycle inputs stay as they were.
  const doc = document && policy.requireView ? { document } : {};
  return { ...ctx, directive: { number, symbol, date, subject, urgency, policy, ...doc } };
}

export function calendarOf(ctx: Pick<RunContext, 'calendarOverride'>): WorkingCalendar {
  return calendarFrom(ctx.calendarOverride);
}
