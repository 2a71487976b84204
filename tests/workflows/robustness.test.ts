import { describe, expect, it, vi } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { batchWorkflowId, runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { correctAddressUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { recallUpdate, closeUpdate, type RunSummary } from '../../src/workflows/dissemination-run';
import { batchRowsQuery } from '../../src/workflows/unit-batch';
import { devServerStack } from '../helpers/stack';
import { replaysWithCurrentCode, timeSkippingPerTest } from '../helpers/time-skipping';
import { smallRegistry, testPlan } from '../helpers/fixtures';
import { textOf } from '../helpers/test-smtp';
import { LinkSigner } from '../../src/links/signer';

/**
 * What a careless address, a bad hour and a broken lifecycle used to do to a run (issue 13 items 1
 * and 9, issue 12 item 2), on the time-skipping server with a real SMTP server that refuses or goes away.
 */
const t = timeSkippingPerTest();

const POLICY = {
  acknowledge: { due: 'PT10M' },
  reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: 'PT1H' }],
  reminders: ['PT5M'],
  escalation: [{ after: 'PT5M', notify: 'head' }],
};
const ofRun = (key: string) => t.smtp.received.filter((m) => m.raw.includes(`X-Chidao-Run: ${key}`));
const stateOf = (key: string, code: string) =>
  t.s.client.workflow.getHandle(unitWorkflowId(key, code)).query(unitStateQuery);

describe('robustness', () => {
  it('a unit whose second address refuses is shown with that address, the Office is told, and a corrected address gets the directive', async () => {
    await t.s.run(async () => {
      const registry = smallRegistry(2);
      registry.units.find((u) => u.code === 'T1')!.emails = ['t1@thads.example', 't1.cu@thads.example'];
      t.smtp.refuse.add('t1.cu@thads.example');
      const plan = testPlan({ policy: POLICY, registry });
      await startRun(t.s.client, plan, { taskQueue: t.s.taskQueue, searchAttributes: false, batchSize: 100 });
      const st = await vi.waitFor(
        async () => {
          const x = await stateOf(plan.key, 'T1');
          expect(x.rejectedAddresses).toEqual(['t1.cu@thads.example']);
          return x;
        },
        { timeout: 30_000, interval: 100 },
      );
      // Delivered to one address: followed up as dispatched, with the refusal in plain sight.
      expect(st.stage).toBe('dispatched');
      expect(st.deliveryError).toBeTruthy();
      const rows = await t.s.client.workflow.getHandle(batchWorkflowId(plan.key, 0)).query(batchRowsQuery);
      await vi.waitFor(async () => {
        const row = (await t.s.client.workflow.getHandle(batchWorkflowId(plan.key, 0)).query(batchRowsQuery)).find(
          (r) => r.code === 'T1',
        );
        expect(row?.rejectedAddresses).toEqual(['t1.cu@thads.example']);
      });
      expect(rows.find((r) => r.code === 'T2')?.rejectedAddresses).toBeUndefined();
      const notice = await vi.waitFor(() => {
        const m = ofRun(plan.key).find((x) => x.kind === 'undeliverable');
        expect(m).toBeDefined();
        return m!;
      });
      expect(notice.to).toEqual(['vp@thads.example']);
      expect(notice.raw).toContain('t1.cu@thads.example');

      await t.s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1')).executeUpdate(correctAddressUpdate, {
        args: [{ by: 'VP', emails: ['t1@thads.example', 't1.moi@thads.example'] }],
      });
      const resent = await vi.waitFor(() => {
        const m = ofRun(plan.key).filter((x) => x.kind === 'dispatch' && x.to.includes('t1.moi@thads.example'));
        expect(m).toHaveLength(1);
        return m[0]!;
      });
      // Only the new address gets it again; the one that had it is not mailed twice.
      expect(resent.to).toEqual(['t1.moi@thads.example']);
      // Its links carry the unit's new link generation, so they work where the old address's links no longer do.
      const token = /\/u\/acknowledge\?t=([A-Za-z0-9_.-]+)/.exec(textOf(resent.raw))![1]!;
      expect(
        new LinkSigner(t.s.config.CHIDAO_LINK_SECRET, t.s.config.CHIDAO_PUBLIC_URL, 90).verify(token, Date.now()),
      ).toMatchObject({ ok: true, claims: { unit: 'T1', gen: 1 } });
      expect(ofRun(plan.key).filter((x) => x.kind === 'dispatch' && x.to.includes('t1@thads.example'))).toHaveLength(1);
      const after = await stateOf(plan.key, 'T1');
      expect(after.rejectedAddresses).toBeUndefined();
      expect(after.deliveryError).toBeUndefined();
      await t.s.client.workflow
        .getHandle(runWorkflowId(plan.key))
        .executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await t.s.client.workflow.getHandle(runWorkflowId(plan.key)).result();
      await replaysWithCurrentCode(t.s.client, plan.key, 3);
    });
  });

  it('a recall that arrives while dispatches wait on a dead mail server holds: every unit ends recalled, the run completes, no reminder follows', async () => {
    await t.s.run(async () => {
      await t.smtp.down();
      const plan = testPlan({ policy: POLICY, units: 2 });
      await startRun(t.s.client, plan, { taskQueue: t.s.taskQueue, searchAttributes: false, batchSize: 100 });
      await vi.waitFor(async () => expect((await stateOf(plan.key, 'T2')).stage).toBe('dispatching'), {
        timeout: 30_000,
      });
      const run = t.s.client.workflow.getHandle(runWorkflowId(plan.key));
      await run.executeUpdate(recallUpdate, { args: [{ by: 'VP', reason: 'Ban hành nhầm' }] });
      await vi.waitFor(async () => expect((await stateOf(plan.key, 'T1')).stage).toBe('recalled'), { timeout: 30_000 });
      await t.smtp.up();
      const summary: RunSummary = await run.result();
      expect(summary.outcome).toBe('recalled');
      expect(summary.counts.recalled).toBe(2);
      for (const code of ['T1', 'T2']) {
        const st = await stateOf(plan.key, code);
        expect(st.stage).toBe('recalled');
        expect(st.overdue).toBe(false);
        // The directive did reach the unit on its way out, so the unit is told it was recalled.
        const to = `${code.toLowerCase()}@thads.example`;
        expect(
          ofRun(plan.key)
            .filter((m) => m.to.includes(to))
            .map((m) => m.kind)
            .sort(),
        ).toEqual(['dispatch', 'recall']);
      }
      // Well past every reminder and escalation time: nothing more leaves.
      const count = ofRun(plan.key).length;
      await t.s.env!.sleep('3h');
      expect(ofRun(plan.key).length).toBe(count);
      expect(ofRun(plan.key).filter((m) => m.kind === 'reminder' || m.kind === 'escalation')).toEqual([]);
      await replaysWithCurrentCode(t.s.client, plan.key, 3);
    });
  });

  it('sends retry without limit but at most 30 s apart, so mail resumes within half a minute of the server coming back', async () => {
    await t.s.run(async () => {
      const plan = testPlan({ policy: POLICY, units: 1 });
      await startRun(t.s.client, plan, { taskQueue: t.s.taskQueue, searchAttributes: false, batchSize: 100 });
      await vi.waitFor(async () => expect((await stateOf(plan.key, 'T1')).stage).toBe('dispatched'), {
        timeout: 30_000,
      });
      for (const id of [unitWorkflowId(plan.key, 'T1'), runWorkflowId(plan.key)]) {
        const history = await t.s.client.workflow.getHandle(id).fetchHistory();
        const sends = history
          .events!.map((e) => e.activityTaskScheduledEventAttributes)
          .filter((a) => a?.activityType?.name === 'sendMessage');
        expect(sends.length, id).toBeGreaterThan(0);
        for (const a of sends) {
          expect(Number(a!.retryPolicy!.maximumInterval!.seconds), id).toBe(30);
          expect(a!.retryPolicy!.maximumAttempts ?? 0, id).toBe(0);
          expect(a!.retryPolicy!.nonRetryableErrorTypes, id).toContain('RecipientRejected');
        }
      }
    });
  });

  it('a lifecycle that dies does not take its batch and siblings with it: it shows as failed and the Office is told', async () => {
    // The dev server: the time-skipping server does not tell a parent that its child was terminated.
    const d = await devServerStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false', CHIDAO_SMTP_URL: t.smtp.url });
    try {
      await d.run(async () => {
        const plan = testPlan({ policy: POLICY, units: 3 });
        await startRun(d.client, plan, { taskQueue: d.taskQueue, searchAttributes: false, batchSize: 100 });
        await vi.waitFor(
          async () =>
            expect(
              (await d.client.workflow.getHandle(unitWorkflowId(plan.key, 'T3')).query(unitStateQuery)).stage,
            ).toBe('dispatched'),
          { timeout: 30_000 },
        );
        // What Temporal does to a workflow whose history outgrows its limits.
        await d.client.workflow.getHandle(unitWorkflowId(plan.key, 'T2')).terminate('history size exceeds limit');
        const batch = d.client.workflow.getHandle(batchWorkflowId(plan.key, 0));
        await vi.waitFor(
          async () => expect((await batch.query(batchRowsQuery)).find((r) => r.code === 'T2')?.stage).toBe('failed'),
          { timeout: 30_000 },
        );
        expect((await batch.describe()).status.name).toBe('RUNNING');
        for (const code of ['T1', 'T3'])
          expect((await d.client.workflow.getHandle(unitWorkflowId(plan.key, code)).describe()).status.name).toBe(
            'RUNNING',
          );
        const alert = await vi.waitFor(() => {
          const m = ofRun(plan.key).find((x) => x.kind === 'unit-failed');
          expect(m).toBeDefined();
          return m!;
        });
        expect(alert.to).toEqual(['vp@thads.example']);
        expect(alert.raw).toContain('T2');

        const run = d.client.workflow.getHandle(runWorkflowId(plan.key));
        await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
        const summary: RunSummary = await run.result();
        expect(summary.counts).toMatchObject({ failed: 1, closed: 2 });
        await replaysWithCurrentCode(d.client, plan.key, 3);
      });
    } finally {
      await d.close();
    }
  });
});
