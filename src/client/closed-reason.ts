import type { Client } from '@temporalio/client';
import { runStatusQuery } from '../workflows/dissemination-run';
import { runWorkflowId, unitWorkflowId } from '../workflows/ids';
import { unitStateQuery } from '../workflows/unit-lifecycle';

/**
 * Why an act found no open workflow: a finished workflow takes no more updates, and Temporal answers
 * "not found". The run (or the unit) still answers queries, so say what happened to it instead:
 * recalled, closed, or the unit's follow-up done. Undefined when nothing is known (no such run, or no
 * worker answers).
 */
export async function closedReason(client: Client, key: string, unit?: string): Promise<string | undefined> {
  try {
    const run = await client.workflow.getHandle(runWorkflowId(key)).query(runStatusQuery);
    if (run.stop?.stage === 'recalled')
      return `Văn bản ${run.ref} đã bị thu hồi${run.stop.reason ? ` (lý do: ${run.stop.reason})` : ''}; không thể thực hiện thao tác này.`;
    if (run.stop?.stage === 'closed') return `Đợt gửi văn bản ${run.ref} đã kết thúc; không thể thực hiện thao tác này.`;
    if (!unit) return undefined;
    const s = await client.workflow.getHandle(unitWorkflowId(key, unit)).query(unitStateQuery);
    if (s.stage === 'done') return `Việc theo dõi ${s.unit.name} đã hoàn thành; không thể thực hiện thao tác này.`;
    if (s.stage === 'recalled') return `Văn bản ${run.ref} đã bị thu hồi; không thể thực hiện thao tác này.`;
    if (s.stage === 'closed') return `Đợt gửi văn bản ${run.ref} đã kết thúc; không thể thực hiện thao tác này.`;
    return undefined;
  } catch {
    return undefined;
  }
}
