import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { HISTORY_LIMIT } from '../../src/workflows/continue-as-new';
import { closeUpdate, runStatusQuery } from '../../src/workflows/dissemination-run';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { acknowledgeUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { replaysWithCurrentCode, timeSkippingPerTest } from '../helpers/time-skipping';
import { testPlan } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';

/**
 * A run that lives long enough for its history to pass the limit continues as new and carries its state:
 * the roster, the digests' sequence (no Message-ID reused) and the Office's acts still work after it.
 */
const t = timeSkippingPerTest();

describe('continue-as-new', () => {
  it('a run whose digests make its history long continues as new with its roster, and the Office can still act', async () => {
    await t.s.run(async () => {
      const policy = {
        acknowledge: { due: 'P30D' },
        reports: [],
        reminders: [],
        escalation: [],
        digest: { every: 'PT1M' },
      };
      const plan = testPlan({ policy, units: 2 });
      await startRun(t.s.client, plan, { taskQueue: t.s.taskQueue, searchAttributes: false, batchSize: 100 });
      const run = t.s.client.workflow.getHandle(runWorkflowId(plan.key));
      const first = (await run.describe()).runId;
      for (const code of ['T1', 'T2'])
        await waitUntil(
          () => t.s.client.workflow.getHandle(unitWorkflowId(plan.key, code)).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
      // Skip time an hour at a time until the run is a new execution.
      let current = first;
      for (let hours = 0; current === first && hours < 48; hours++) {
        await t.s.env!.sleep(3_600_000);
        current = (await run.describe()).runId;
      }
      expect(current).not.toBe(first);
      const old = await t.s.client.workflow.getHandle(runWorkflowId(plan.key), first).fetchHistory();
      const last = old.events!.at(-1)!;
      expect(last.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      // The server suggests continuing as new (continueAsNewSuggested) before our own limit; either ends it,
      // and neither lets the history run past the limit by more than one digest's events.
      expect(old.events!.length).toBeGreaterThan(1000);
      expect(old.events!.length).toBeLessThan(HISTORY_LIMIT + 50);

      const status = await run.query(runStatusQuery);
      expect([...status.roster].sort()).toEqual(plan.recipients.map((r) => r.code).sort());
      expect(status.added).toBe(plan.recipients.length);
      // Digests before and after: each Message-ID once.
      const ids = t.smtp.received
        .filter((m) => m.kind === 'digest' && m.raw.includes(plan.key))
        .map((m) => m.messageId);
      expect(ids.length).toBeGreaterThan(100);
      expect(new Set(ids).size).toBe(ids.length);

      await t.s.client.workflow
        .getHandle(unitWorkflowId(plan.key, 'T1'))
        .executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      expect(await run.result()).toMatchObject({ outcome: 'closed', total: 2, counts: { closed: 1 } });
      await replaysWithCurrentCode(t.s.client, plan.key, 3, 'a-run-continued-as-new-after-its-digests');
    });
  });

  it("a unit's lifecycle whose reminders make its history long continues as new: no reminder twice, and it still takes the acknowledgement", async () => {
    await t.s.run(async () => {
      // A reminder every minute over the last 450 minutes before an 8-hour deadline.
      const reminders = Array.from({ length: 450 }, (_, i) => `PT${i + 1}M`);
      const policy = { acknowledge: { due: 'PT8H' }, reports: [], reminders, escalation: [] };
      const plan = testPlan({ policy, units: 1 });
      await startRun(t.s.client, plan, { taskQueue: t.s.taskQueue, searchAttributes: false, batchSize: 100 });
      const unit = t.s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      await waitUntil(
        () => unit.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );
      const first = (await unit.describe()).runId;
      let current = first;
      for (let hours = 0; current === first && hours < 8; hours++) {
        await t.s.env!.sleep(3_600_000);
        current = (await unit.describe()).runId;
      }
      expect(current).not.toBe(first);
      const old = await t.s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'), first).fetchHistory();
      expect(old.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

      // Let the rest of the reminders come due, then acknowledge before the deadline.
      const st = await unit.query(unitStateQuery);
      expect(st.stage).toBe('dispatched');
      await t.s.env!.sleep(Math.max(0, st.ackDeadline! - (await t.s.env!.currentTimeMs()) - 30_000));
      const acked = await unit.executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
      expect(acked.stage).toBe('done');
      const sent = t.smtp.received.filter((m) => m.kind === 'reminder' && m.raw.includes(plan.key));
      const ids = sent.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      // Every reminder once, across both executions.
      expect(ids).toHaveLength(reminders.length);
      expect(acked.remindersSent).toBe(reminders.length);
      const run = t.s.client.workflow.getHandle(runWorkflowId(plan.key));
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
      await replaysWithCurrentCode(t.s.client, plan.key, 3, 'a-unit-lifecycle-continued-as-new-after-its-reminders');
    });
  });
});
