import { readHistory } from '../audit/events';
import type { NamedHistory } from '../audit/export-files';
import { explainUnitDeadlines } from '../domain/explain';
import type { UnitSnapshot } from '../domain/unit-model';
import type { LifecycleInput } from '../workflows/unit-lifecycle/api';
import { calendarFrom } from '../domain/unit-calendar';

export type DeadlineReasons = ReturnType<typeof explainUnitDeadlines>;

/**
 * Why a unit's deadlines fall when they do, from the policy and calendar its lifecycle started with (the
 * first event of its history: the calendar a run was started with, not today's file).
 */
export function deadlineReasons(state: UnitSnapshot, h: NamedHistory): DeadlineReasons {
  const input = readHistory(h).input[0] as LifecycleInput | undefined;
  if (!input?.ctx?.directive?.policy) return {};
  const { ctx } = input;
  // A calendar the Office loaded mid-run is the unit's own from then on.
  const cal = calendarFrom({ ...ctx.calendarOverride, ...state.calendarOverride });
  return explainUnitDeadlines(state, ctx.directive.policy, cal);
}
