import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { endOfDay, instantAt, localDateOf, weekday, WorkingCalendar } from '../../src/domain/calendar';
import { vnDateTime } from '../../src/domain/vn-format';
import { unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { timeSkippingStack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { waitUntil } from '../helpers/wait';
import { firedAt, near } from '../helpers/fired';
import { daysFrom } from '../helpers/working-days';

/**
 * Working-day policies through the real lifecycle on the time-skipping server, whose clock starts at the
 * real "now". The days are made known by a calendar override built from today: every weekday between
 * today and the next Friday is a day off, and so is the Monday after that Friday. "2 ngày làm việc" then
 * means that Friday and, across the weekend and the Monday off, the Tuesday.
 */
const POLICY = {
  acknowledge: { due: '2 ngày làm việc' },
  reminders: ['1 ngày làm việc', '0 ngày'],
  escalation: [{ after: '1 ngày làm việc', notify: 'head' }],
};

const MINUTE = 60_000;

describe('working days through the lifecycle', () => {
  it('"2 ngày làm việc" skips a weekend and a day off; reminders and escalation fall at 08:00 on working days', async () => {
    const s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
    try {
      await s.run(async () => {
        const today = localDateOf(await s.env!.currentTimeMs());
        const days = daysFrom(today);
        // The domain's calendar with the same override agrees with the days worked out by hand.
        const cal = new WorkingCalendar().withOverride(days.override);
        expect(cal.addWorkingDays(today, 1)).toBe(days.friday);
        expect(cal.addWorkingDays(today, 2)).toBe(days.tuesday);
        expect(cal.isWorkingDay(days.monday)).toBe(false);
        expect([weekday(days.friday), weekday(days.tuesday), weekday(days.wednesday)]).toEqual([5, 2, 3]);

        const plan = testPlan({ policy: POLICY, units: 1 });
        await startRun(s.client, plan, {
          taskQueue: s.taskQueue,
          searchAttributes: false,
          batchSize: 100,
          calendarOverride: days.override,
        });
        const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
        const dispatched = await waitUntil(
          () => h.query(unitStateQuery),
          (st) => st.stage === 'dispatched',
        );
        // Dispatched today (a run started a moment before midnight would shift every day: say so).
        expect(localDateOf(dispatched.dispatchedAt!)).toBe(today);
        // The deadline is the end of the Tuesday: 24:00 +07:00.
        const deadline = endOfDay(days.tuesday);
        expect(dispatched.ackDeadline).toBe(deadline);
        expect(deadline).toBe(Date.parse(`${days.wednesday}T00:00:00+07:00`));

        const expected = {
          reminders: [instantAt(days.friday, 8), instantAt(days.tuesday, 8)],
          escalation: instantAt(days.wednesday, 8),
        };
        expect(expected.reminders).toEqual([
          Date.parse(`${days.friday}T08:00:00+07:00`),
          Date.parse(`${days.tuesday}T08:00:00+07:00`),
        ]);
        expect(expected.escalation).toBe(Date.parse(`${days.wednesday}T08:00:00+07:00`));

        // To 09:00 on the Wednesday: past both reminders, the deadline and the escalation.
        await s.env!.sleep(expected.escalation + 60 * MINUTE - (await s.env!.currentTimeMs()));
        const st = await h.query(unitStateQuery);
        expect(st).toMatchObject({ stage: 'dispatched', overdue: true, remindersSent: 2, escalationLevel: 1 });

        // The mails: two reminders to the unit naming the Tuesday's end, then one escalation to its head.
        const reminders = await waitForMails(both(ofRun(plan.key), ofKind('reminder')), 2);
        expect(reminders.map((m) => m.to.map((t) => t.address))).toEqual([['t1@thads.example'], ['t1@thads.example']]);
        for (const m of reminders) expect(m.text).toContain(vnDateTime(deadline));
        const esc = await waitForMails(both(ofRun(plan.key), ofKind('escalation')), 1);
        expect(esc.map((m) => m.to.map((t) => t.address))).toEqual([['head1@thads.example']]);
        expect(esc[0]!.subject).toContain('Quá hạn (mức 1): Cục THADS tỉnh Thử 1 - ');
        expect(esc[0]!.text).toContain(`Thời hạn là ${vnDateTime(deadline)}; đơn vị đã quá hạn 1 ngày làm việc.`);

        // The audit trail: each step fired at 08:00, give or take the moments a workflow task takes.
        const fired = await firedAt(s, plan.key, 'T1');
        const at = (kind: string) => fired(kind).map((r) => r.at);
        near(at('reminder'), expected.reminders);
        near(at('escalation'), [expected.escalation]);
        expect(fired('escalation')[0]!.to).toEqual(['head1@thads.example']);
        // Nothing fired on the weekend or the days off.
        for (const t of [...at('reminder'), ...at('escalation')]) {
          expect(cal.isWorkingDay(localDateOf(t))).toBe(true);
          expect(days.daysOff).not.toContain(localDateOf(t));
        }
      });
    } finally {
      await s.close();
    }
  });
});
