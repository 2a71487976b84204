import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { endOfDay, instantAt, localDateOf } from '../../src/domain/calendar';
import { batchWorkflowId, runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { devServerStack, timeSkippingStack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { waitUntil } from '../helpers/wait';
import { firedAt, near } from '../helpers/fired';
import { replaysWithCurrentCode } from '../helpers/time-skipping';
import { daysFrom } from '../helpers/working-days';

const MINUTE = 60_000;

describe('urgency drives the follow-up through the lifecycle', () => {
  it('hỏa tốc with no written follow-up: due in 1 hour, reminded at 30 minutes, escalated to the leader then the Office', async () => {
    const s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
    try {
      await s.run(async () => {
        // No policy written but the test's round-the-clock flag, which hỏa tốc has anyway.
        const plan = testPlan({ urgency: 'hoa-toc', units: 1 });
        expect(plan.directive.policy.officeHours).toBe(false);
        await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
        const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
        const st = await waitUntil(
          () => h.query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
        const deadline = st.ackDeadline!;
        // Exact periods run from the moment the lifecycle set them, just before the dispatch was recorded.
        expect(deadline - st.dispatchedAt!).toBeLessThanOrEqual(60 * MINUTE);
        expect(deadline - st.dispatchedAt!).toBeGreaterThan(59 * MINUTE);

        await s.env!.sleep(deadline + 2 * 60 * MINUTE + 10 * MINUTE - (await s.env!.currentTimeMs()));
        expect(await h.query(unitStateQuery)).toMatchObject({ overdue: true, remindersSent: 1, escalationLevel: 2 });

        const reminders = await waitForMails(both(ofRun(plan.key), ofKind('reminder')), 1);
        expect(reminders.map((m) => m.to.map((t) => t.address))).toEqual([['t1@thads.example']]);
        expect(reminders[0]!.subject).toBe(
          `[${plan.directive.number}/TCTHADS-VP] HỎA TỐC - Đôn đốc: ${plan.directive.subject}`,
        );
        const escalations = await waitForMails(both(ofRun(plan.key), ofKind('escalation')), 2);
        expect(escalations.map((m) => m.to.map((t) => t.address))).toEqual([
          ['leader1@thads.example'],
          ['vp@thads.example'],
        ]);
        expect(escalations[0]!.subject).toMatch(/^\[\d+\/TCTHADS-VP\] HỎA TỐC - Quá hạn \(mức 1\): /);

        const fired = await firedAt(s, plan.key, 'T1');
        near(
          fired('reminder').map((r) => r.at),
          [deadline - 30 * MINUTE],
        );
        near(
          fired('escalation').map((r) => r.at),
          [deadline + 30 * MINUTE, deadline + 120 * MINUTE],
        );
        await replaysWithCurrentCode(s.client, plan.key, 3, 'hoa-toc-follow-up-from-the-urgency-defaults');
      });
    } finally {
      await s.close();
    }
  });

  it('an ordinary directive in office hours: a reminder due at 04:00 waits for 08:00, an escalation due at 02:00 for the next working morning', async () => {
    const s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
    try {
      await s.run(async () => {
        const today = localDateOf(await s.env!.currentTimeMs());
        const days = daysFrom(today);
        const plan = testPlan({
          units: 1,
          policy: {
            acknowledge: { due: '2 ngày làm việc' },
            reminders: ['20 giờ'],
            escalation: [{ after: '2 giờ', notify: 'head' }],
            officeHours: true,
          },
        });
        await startRun(s.client, plan, {
          taskQueue: s.taskQueue,
          searchAttributes: false,
          batchSize: 100,
          calendarOverride: days.override,
        });
        const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
        const st = await waitUntil(
          () => h.query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
        // The deadline: 24:00 of the Tuesday. Round the clock, the reminder would be 04:00 Tuesday and the
        // escalation 02:00 Wednesday; held to office hours, 08:00 of each.
        expect(st.ackDeadline).toBe(endOfDay(days.tuesday));
        const reminder = instantAt(days.tuesday, 8);
        const escalation = instantAt(days.wednesday, 8);
        expect(reminder).toBe(Date.parse(`${days.tuesday}T08:00:00+07:00`));

        // 07:00 on the Tuesday: 04:00 has passed, the held reminder has not gone out yet.
        await s.env!.sleep(reminder - 60 * MINUTE - (await s.env!.currentTimeMs()));
        expect(await h.query(unitStateQuery)).toMatchObject({ remindersSent: 0 });
        // 09:00 on the Wednesday: past both held times.
        await s.env!.sleep(escalation + 60 * MINUTE - (await s.env!.currentTimeMs()));
        expect(await h.query(unitStateQuery)).toMatchObject({ remindersSent: 1, escalationLevel: 1 });
        await waitForMails(both(ofRun(plan.key), ofKind('escalation')), 1);

        const fired = await firedAt(s, plan.key, 'T1');
        near(
          fired('reminder').map((r) => r.at),
          [reminder],
        );
        near(
          fired('escalation').map((r) => r.at),
          [escalation],
        );
        expect(fired('escalation')[0]!.to).toEqual(['head1@thads.example']);
        await replaysWithCurrentCode(s.client, plan.key, 3, 'office-hours-hold-a-reminder-and-an-escalation');
      });
    } finally {
      await s.close();
    }
  });

  it('a hỏa tốc run carries priority 1 to its batches and lifecycles; an ordinary run keeps the default', async () => {
    const s = await devServerStack();
    try {
      await s.run(async () => {
        const urgent = testPlan({ urgency: 'hoa-toc', units: 1 });
        const ordinary = testPlan({ units: 1 });
        for (const plan of [urgent, ordinary])
          await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 100 });
        const key = async (id: string) => (await s.client.workflow.getHandle(id).describe()).priority?.priorityKey;
        for (const [plan, want] of [
          [urgent, 1],
          [ordinary, undefined],
        ] as const) {
          await waitUntil(
            () => s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1')).query(unitStateQuery),
            (x) => x.stage === 'dispatched',
          );
          expect(await key(runWorkflowId(plan.key))).toBe(want);
          expect(await key(batchWorkflowId(plan.key, 0))).toBe(want);
          expect(await key(unitWorkflowId(plan.key, 'T1'))).toBe(want);
        }
      });
    } finally {
      await s.close();
    }
  });
});
