import type { Client } from '@temporalio/client';
import { runStatusQuery } from '../workflows/dissemination-run';
import { runWorkflowId, unitWorkflowId } from '../workflows/ids';
import { unitStateQuery } from '../workflows/unit-lifecycle';
import { OfficeRefusal } from './refusal';

/**
 * Why an act found no open workflow: a finished workflow takes no more updates, and Temporal answers
 * "not found". The run (or the unit) still answers queries, so say what happened to it instead:
 * recalled, closed, or the unit's follow-up done. Undefined when nothing is known (no such run, or no
 * worker answers).
 */
export async function closedReason(client: Client, key: string, unit?: string): Promise<OfficeRefusal | undefined> {
  const tail = 'không thể thực hiện thao tác này.';
  try {
    const run = await client.workflow.getHandle(runWorkflowId(key)).query(runStatusQuery);
    const recalled = (reason?: string) =>
      new OfficeRefusal(
        'DirectiveRecalled',
        `Văn bản ${run.ref} đã bị thu hồi${reason ? ` (lý do: ${reason})` : ''}; ${tail}`,
      );
    const closed = () => new OfficeRefusal('RunClosed', `Đợt gửi văn bản ${run.ref} đã kết thúc; ${tail}`);
    if (run.stop?.stage === 'recalled') return recalled(run.stop.reason);
    if (run.stop?.stage === 'closed') return closed();
    if (!unit) return undefined;
    const s = await client.workflow.getHandle(unitWorkflowId(key, unit)).query(unitStateQuery);
    if (s.stage === 'done') return new OfficeRefusal('UnitDone', `Việc theo dõi ${s.unit.name} đã hoàn thành; ${tail}`);
    if (s.stage === 'recalled') return recalled();
    if (s.stage === 'closed') return closed();
    return undefined;
  } catch {
    return undefined;
  }
}
