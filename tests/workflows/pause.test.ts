import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { unitWorkflowId } from '../../src/workflows/ids';
import { answerDifficultyUpdate, raiseDifficultyUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { timeSkippingStack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { both, mails, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { waitUntil } from '../helpers/wait';
import { replaysWithCurrentCode } from '../helpers/time-skipping';

/**
 * pauseWhileDifficultyOpen through the real lifecycle on the time-skipping server: while the Office owes
 * an answer, two simulated hours pass the deadline and its escalation and nothing fires; the answer moves
 * the deadline by the time waited and the follow-up resumes against it. (Working-day waits are counted in
 * the domain's tests; this one proves the workflow stops and re-plans.)
 */
const POLICY = {
  acknowledge: { due: 'PT1H' },
  reminders: ['PT30M'],
  escalation: [{ after: 'PT10M', notify: 'head' }],
  pauseWhileDifficultyOpen: true,
};

describe('the clock stops while a difficulty waits for the Office', () => {
  it('nothing fires past the deadline while paused; the answer moves it by the wait, then follow-up resumes', async () => {
    const s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
    try {
      await s.run(async () => {
        const plan = testPlan({ policy: POLICY, units: 1 });
        await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
        const unit = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
        const first = await waitUntil(
          () => unit.query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
        const deadline = first.ackDeadline!;
        const viaLink = { channel: 'link' as const, by: 'Cục THADS tỉnh Thử 1' };
        const { id } = await unit.executeUpdate(raiseDifficultyUpdate, {
          args: [{ by: viaLink, text: 'Chưa rõ mẫu.' }],
        });
        const raised = (await unit.query(unitStateQuery)).pausedSince!;
        expect(raised).toBeGreaterThanOrEqual(first.dispatchedAt!);

        // Two hours: past the reminder (30 min before), the deadline and the escalation (10 min after).
        await s.env!.sleep('2h');
        const waiting = await unit.query(unitStateQuery);
        expect(waiting).toMatchObject({ pausedSince: raised, overdue: false, escalationLevel: 0, remindersSent: 0 });
        const followUps = both(ofRun(plan.key), (m) =>
          ['reminder', 'escalation'].includes(m.headers['x-chidao-kind']!),
        );
        expect(await mails(followUps)).toEqual([]);

        await unit.executeUpdate(answerDifficultyUpdate, { args: [{ by: 'Chuyên viên', id, text: 'Dùng mẫu 02.' }] });
        const resumed = await unit.query(unitStateQuery);
        const answeredAt = resumed.difficulties[0]!.answer!.at;
        expect(resumed.pausedSince).toBeUndefined();
        expect(resumed.ackDeadline).toBe(deadline + (answeredAt - raised));
        expect(resumed.pauses).toHaveLength(1);
        // The unit is told its new date with the answer.
        const answer = await waitForMails(both(ofRun(plan.key), ofKind('difficulty-answered')), 1);
        expect(answer[0]!.text).toContain('chờ Văn phòng trả lời không tính vào thời hạn');

        // Past the new deadline and its escalation: the follow-up runs again, once each.
        await s.env!.sleep('75m');
        const late = await waitUntil(
          () => unit.query(unitStateQuery),
          (x) => x.escalationLevel === 1,
        );
        expect(late.overdue).toBe(true);
        const escalations = await waitForMails(both(ofRun(plan.key), ofKind('escalation')), 1);
        expect(escalations).toHaveLength(1);
        // The reminder's moment (30 min before the new deadline) came after the answer: sent once.
        expect(await mails(both(ofRun(plan.key), ofKind('reminder')))).toHaveLength(1);
        // A paused and resumed lifecycle replays with the current code (run, batch, unit).
        await replaysWithCurrentCode(s.client, plan.key, 3, 'pause-while-a-difficulty-waits');
      });
    } finally {
      await s.close();
    }
  });
});
