import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Correction } from '../domain/correction';
import { correctUpdate, runStatusQuery, type RunStatus } from '../workflows/dissemination-run';
import { correctionNoticeWorkflowId, runWorkflowId, unitWorkflowId } from '../workflows/ids';
import { receiveCorrectionUpdate, unitStateQuery } from '../workflows/unit-lifecycle';
import { correctionNotice } from '../workflows/correction-notice';
import { isNotFound, OfficeRefusal, refusalOfUpdate } from './refusal';
import { inLanes } from '../client/in-lanes';

/** Where a correction reached, unit by unit. */
export interface CorrectionOutcome {
  correction: Correction;
  /** Units still followed: each took the version (an audit record, an email, acknowledgement asked or carried). */
  delivered: string[];
  /** Units whose follow-up had ended (done): told by email, nothing to acknowledge. */
  told: string[];
  /** Units it could not reach, with the reason (the original never delivered, a recall…). */
  refused: { unit: string; reason: string }[];
}

/**
 * Issues a correction on the run (which keeps the version and tells its info recipients), then gives it
 * to each implementing unit; `resend` gives an issued version again to the units that lack it (each
 * unit takes a version once, so this is safe to repeat).
 */
export async function issueCorrection(
  client: Client,
  o: { key: string; taskQueue: string; by: string } & (
    { input: Pick<Correction, 'kind' | 'changes' | 'document'> } | { resend: number }
  ),
): Promise<CorrectionOutcome> {
  const run = client.workflow.getHandle(runWorkflowId(o.key));
  let status: RunStatus = await run.query(runStatusQuery);
  let correction: Correction | undefined;
  if ('input' in o) {
    const { kind, changes, document } = o.input;
    // The same correction submitted twice (a double click, a retried request) is one version.
    const updateId = `correct-${createHash('sha256')
      .update(JSON.stringify([kind, changes, document?.sha256 ?? '']))
      .digest('hex')
      .slice(0, 32)}`;
    correction = await run.executeUpdate(correctUpdate, {
      args: [{ by: o.by, kind, changes, ...(document ? { document } : {}) }],
      updateId,
    });
    status = await run.query(runStatusQuery);
  } else {
    if (status.stop)
      throw new OfficeRefusal(
        status.stop.stage === 'recalled' ? 'DirectiveRecalled' : 'RunClosed',
        `Đợt gửi ${status.ref} đã ${status.stop.stage === 'recalled' ? 'bị thu hồi' : 'kết thúc'}; không gửi lại bản đính chính.`,
      );
    correction = status.corrections?.find((c) => c.version === o.resend);
  }
  if (!correction)
    throw new OfficeRefusal('NotFound', `Văn bản ${status.ref} không có phiên bản ${'resend' in o ? o.resend : ''}.`);

  const info = new Set(status.info.map((i) => i.code));
  const units = status.roster.filter((c) => !info.has(c));
  const out: CorrectionOutcome = { correction, delivered: [], told: [], refused: [] };
  await inLanes(units, async (unit) => {
    // One unit's failure (the server busy, a worker gone) is that unit's, said in the outcome: the
    // version is issued already, and --resend reaches it later.
    const r = await giveTo(client, status, o.taskQueue, unit, correction).catch((e: unknown) => ({
      reason: `lỗi khi gửi: ${(e as Error).message}`,
    }));
    if (r === 'delivered') out.delivered.push(unit);
    else if (r === 'told') out.told.push(unit);
    else out.refused.push({ unit, reason: r.reason });
  });
  for (const list of [out.delivered, out.told]) list.sort();
  out.refused.sort((a, b) => a.unit.localeCompare(b.unit));
  return out;
}

async function giveTo(
  client: Client,
  status: RunStatus,
  taskQueue: string,
  unit: string,
  c: Correction,
): Promise<'delivered' | 'told' | { reason: string }> {
  const handle = client.workflow.getHandle(unitWorkflowId(status.key, unit));
  try {
    await handle.executeUpdate(receiveCorrectionUpdate, { args: [c] });
    return 'delivered';
  } catch (e) {
    const refusal = refusalOfUpdate(e);
    if (refusal?.type === 'AlreadyDone') return 'delivered';
    if (refusal && refusal.type !== 'RunClosed') return { reason: refusal.message };
    if (!refusal && !isNotFound(e)) throw e;
  }
  // The lifecycle has finished: a unit that was done is told by a notice of its own; others are not.
  const st = await handle.query(unitStateQuery).catch(() => undefined);
  if (!st) return { reason: 'chưa bắt đầu theo dõi đơn vị (nơi nhận đang được thêm); gửi lại sau bằng --resend' };
  // Given this version (or a later one) before its follow-up ended: nothing more to send.
  if ((st.corrections?.at(-1)?.version ?? 1) >= c.version) return 'delivered';
  if (st.stage !== 'done') return { reason: 'việc theo dõi đơn vị đã kết thúc (thu hồi, kết thúc đợt gửi hoặc lỗi)' };
  try {
    const ctx = {
      key: status.key,
      ref: status.ref,
      office: status.office,
      directive: { subject: status.subject, urgency: status.urgency ?? 'thuong' },
    };
    await client.workflow.start(correctionNotice, {
      taskQueue,
      workflowId: correctionNoticeWorkflowId(status.key, unit, c.version),
      args: [
        {
          ctx,
          unit: { code: unit, name: st.unit.name, emails: st.unit.emails },
          ...(st.linkGeneration ? { linkGen: st.linkGeneration } : {}),
          correction: c,
        },
      ],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
  return 'told';
}
