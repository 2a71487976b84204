import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { fetchRunHistories, replayHistories, writeHistories } from '../../src/audit/histories';
import { startRun } from '../../src/client/start-run';
import { HISTORY_LIMIT } from '../../src/workflows/continue-as-new';
import { closeUpdate, runStatusQuery } from '../../src/workflows/dissemination-run';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { acknowledgeUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { timeSkippingStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { TestSmtp } from '../helpers/test-smtp';
import { waitUntil } from '../helpers/wait';

/**
 * A run that lives long enough for its history to pass the limit continues as new and carries its state:
 * the roster, the digests' sequence (no Message-ID reused) and the Office's acts still work after it.
 */
let smtp: TestSmtp;
let s: Stack;
beforeAll(async () => {
  smtp = await TestSmtp.create();
});
afterAll(async () => {
  await smtp?.down();
});
// One time-skipping server per test: time skipped for one run never moves the other's.
beforeEach(async () => {
  s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false', CHIDAO_SMTP_URL: smtp.url });
});
afterEach(async () => {
  await s?.close();
});

/**
 * The histories (the run's after it continued as new: it starts from the carried state) replay with the
 * current code; CHIDAO_RECORD_FIXTURES=<tag> keeps them as committed fixtures.
 */
async function replays(key: string, name: string): Promise<void> {
  const hs = await fetchRunHistories(s.client, key);
  const tag = process.env.CHIDAO_RECORD_FIXTURES;
  if (tag) writeHistories(join('tests/fixtures/histories', `${tag}-${name}`), hs);
  const results = await replayHistories(hs, { workflowBundle: { codePath: inject('bundlePath') } });
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.length).toBeGreaterThanOrEqual(3);
}

describe('continue-as-new', () => {
  it('a run whose digests make its history long continues as new with its roster, and the Office can still act', async () => {
    await s.run(async () => {
      const policy = {
        acknowledge: { due: 'P30D' },
        reports: [],
        reminders: [],
        escalation: [],
        digest: { every: 'PT1M' },
      };
      const plan = testPlan({ policy, units: 2 });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
      const run = s.client.workflow.getHandle(runWorkflowId(plan.key));
      const first = (await run.describe()).runId;
      for (const code of ['T1', 'T2'])
        await waitUntil(
          () => s.client.workflow.getHandle(unitWorkflowId(plan.key, code)).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
      // Skip time an hour at a time until the run is a new execution.
      let current = first;
      for (let hours = 0; current === first && hours < 48; hours++) {
        await s.env!.sleep(3_600_000);
        current = (await run.describe()).runId;
      }
      expect(current).not.toBe(first);
      const old = await s.client.workflow.getHandle(runWorkflowId(plan.key), first).fetchHistory();
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
      const ids = smtp.received.filter((m) => m.kind === 'digest' && m.raw.includes(plan.key)).map((m) => m.messageId);
      expect(ids.length).toBeGreaterThan(100);
      expect(new Set(ids).size).toBe(ids.length);

      await s.client.workflow
        .getHandle(unitWorkflowId(plan.key, 'T1'))
        .executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      expect(await run.result()).toMatchObject({ outcome: 'closed', total: 2, counts: { closed: 1 } });
      await replays(plan.key, 'a-run-continued-as-new-after-its-digests');
    });
  });

  it("a unit's lifecycle whose reminders make its history long continues as new: no reminder twice, and it still takes the acknowledgement", async () => {
    await s.run(async () => {
      // A reminder every minute over the last 450 minutes before an 8-hour deadline.
      const reminders = Array.from({ length: 450 }, (_, i) => `PT${i + 1}M`);
      const policy = { acknowledge: { due: 'PT8H' }, reports: [], reminders, escalation: [] };
      const plan = testPlan({ policy, units: 1 });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
      const unit = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      await waitUntil(
        () => unit.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );
      const first = (await unit.describe()).runId;
      let current = first;
      for (let hours = 0; current === first && hours < 8; hours++) {
        await s.env!.sleep(3_600_000);
        current = (await unit.describe()).runId;
      }
      expect(current).not.toBe(first);
      const old = await s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'), first).fetchHistory();
      expect(old.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

      // Let the rest of the reminders come due, then acknowledge before the deadline.
      const st = await unit.query(unitStateQuery);
      expect(st.stage).toBe('dispatched');
      await s.env!.sleep(Math.max(0, st.ackDeadline! - (await s.env!.currentTimeMs()) - 30_000));
      const acked = await unit.executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
      expect(acked.stage).toBe('done');
      const sent = smtp.received.filter((m) => m.kind === 'reminder' && m.raw.includes(plan.key));
      const ids = sent.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      // Every reminder once, across both executions.
      expect(ids).toHaveLength(reminders.length);
      expect(acked.remindersSent).toBe(reminders.length);
      const run = s.client.workflow.getHandle(runWorkflowId(plan.key));
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
      await replays(plan.key, 'a-unit-lifecycle-continued-as-new-after-its-reminders');
    });
  });
});
