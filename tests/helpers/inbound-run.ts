import { expect } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { testPlan } from './fixtures';
import { both, ofKind, ofRun, waitForMails } from './mailbox';
import type { Stack } from './stack';
import { waitUntil } from './wait';

/** A dispatch to an implementing unit (T1, T2, …, at their first or corrected address), not to a leader copied. */
export const toUnit = (m: { to: { address: string }[] }) => /^(moi\.)?t\d+@/.test(m.to[0]!.address);

/**
 * A run of `units` units that owe an acknowledgement and a report, each dispatched; for each unit code, the
 * dispatch's Message-ID and the X-Chidao-Check it carried (which a genuine bounce quotes back).
 */
export async function dispatchedRun(s: Stack, units: number) {
  const policy = {
    acknowledge: { due: '5 ngày làm việc' },
    reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: '10 ngày làm việc' }],
    reminders: [],
    escalation: [],
  };
  const plan = testPlan({ policy, units });
  await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 10 });
  const sent = await waitForMails(both(ofRun(plan.key), ofKind('dispatch'), toUnit), units);
  expect(sent).toHaveLength(units);
  const byCode = new Map(sent.map((m) => [m.to[0]!.address.split('@')[0]!.toUpperCase(), m]));
  for (const code of byCode.keys())
    await waitUntil(
      () => s.client.workflow.getHandle(unitWorkflowId(plan.key, code)).query(unitStateQuery),
      (x) => x.stage === 'dispatched',
    );
  return {
    key: plan.key,
    id: (code: string) => byCode.get(code)!.headers['message-id']!,
    check: (code: string) => byCode.get(code)!.headers['x-chidao-check']!,
  };
}
