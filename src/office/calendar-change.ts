import type { Client } from '@temporalio/client';
import type { CalendarData } from '../domain/holidays-vn';
import { unitWorkflowId } from '../workflows/ids';
import { changeCalendarUpdate } from '../workflows/unit-lifecycle';
import { isNotFound, refusalOfUpdate } from './refusal';
import { inLanes } from '../client/in-lanes';

export interface CalendarChangeOutcome {
  /** Running lifecycles the new calendar was given to. */
  units: number;
  /** Units one of whose pending dates (deadline, reminder, escalation) moved; each recorded in the audit trail. */
  affected: string[];
  /** Units whose deadline itself moved; each was told by email. */
  moved: string[];
  /** Units that refused it (stopped meanwhile), with the reason. */
  refused: { workflowId: string; reason: string }[];
}

/**
 * Gives a new calendar to every running lifecycle (of one run, or of all), found through visibility: the
 * calendar reaches workflows as data, in an update each, never read from disk by workflow code.
 */
export interface CalendarInput {
  calendar: CalendarData;
  /** Where it came from ("tệp lich-2027.yaml"): said to the units and kept in the audit trail. */
  source: string;
  by: string;
}

export async function applyCalendar(
  client: Client,
  input: CalendarInput & { runKey?: string },
): Promise<CalendarChangeOutcome> {
  const prefix = input.runKey ? unitWorkflowId(input.runKey, '') : 'chidao/';
  const ids: string[] = [];
  for await (const w of client.workflow.list({
    query: `WorkflowType = 'unitLifecycle' AND ExecutionStatus = 'Running'`,
  }))
    if (w.workflowId.startsWith(prefix)) ids.push(w.workflowId);
  const out: CalendarChangeOutcome = { units: ids.length, affected: [], moved: [], refused: [] };
  const args = { by: input.by, calendar: input.calendar, source: input.source };
  await inLanes(ids, async (workflowId) => {
    try {
      const r = await client.workflow.getHandle(workflowId).executeUpdate(changeCalendarUpdate, { args: [args] });
      if (r.affected) out.affected.push(workflowId);
      if (r.moved) out.moved.push(workflowId);
    } catch (e) {
      const refusal = refusalOfUpdate(e);
      if (refusal) out.refused.push({ workflowId, reason: refusal.message });
      else if (isNotFound(e)) out.refused.push({ workflowId, reason: 'việc theo dõi đã kết thúc' });
      else throw e;
    }
  });
  for (const list of [out.affected, out.moved]) list.sort();
  return out;
}
