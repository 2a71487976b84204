import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { WorkingCalendar, localDateOf } from '../../src/domain/calendar';
import { nextDigestAt } from '../../src/domain/run-state';
import { fetchRunHistories, replayHistories } from '../../src/audit/histories';
import { startRun } from '../../src/client/start-run';
import { closeUpdate } from '../../src/workflows/dissemination-run';
import { runWorkflowId } from '../../src/workflows/ids';
import { timeSkippingStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';

/**
 * A digest every n working days waits for the n-th working day, at the start of office hours; it used to
 * wait n × 24 hours, so a Friday's digest of "1 ngày làm việc" came on Saturday.
 */
let s: Stack;
beforeAll(async () => {
  s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
});
afterAll(async () => s?.close());

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

describe('digest', () => {
  it('a digest every working day waits for the next working day at 8:00, not 24 hours', async () => {
    await s.run(async () => {
      const plan = testPlan({ policy: { digest: { every: '1 ngày làm việc' } }, units: 1 });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
      const run = s.client.workflow.getHandle(runWorkflowId(plan.key));
      const timer = await vi.waitFor(
        async () => {
          const { events } = await run.fetchHistory();
          const started = events?.find((e) => e.timerStartedEventAttributes);
          if (!started) throw new Error('no digest timer yet');
          return started;
        },
        { timeout: 20_000, interval: 100 },
      );
      const startedAt = ms(timer.eventTime);
      const fireAt = startedAt + ms(timer.timerStartedEventAttributes!.startToFireTimeout);
      const cal = new WorkingCalendar();
      // The workflow's clock is its task's start, a moment before the timer's event is written.
      expect(Math.abs(fireAt - nextDigestAt({ kind: 'working', days: 1 }, startedAt, cal)!)).toBeLessThan(5_000);
      const local = new Date(fireAt + 7 * 3_600_000);
      expect([local.getUTCHours(), local.getUTCMinutes()]).toEqual([8, 0]);
      expect(cal.isWorkingDay(localDateOf(fireAt))).toBe(true);

      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: 'Kết thúc thử' }] });
      await run.result();
      const results = await replayHistories(await fetchRunHistories(s.client, plan.key), {
        workflowBundle: { codePath: inject('bundlePath') },
      });
      expect(results.filter((r) => !r.ok)).toEqual([]);
    });
  });
});
