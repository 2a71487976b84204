import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { unitWorkflowId } from '../../src/workflows/ids';
import { correctAddressUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { timeSkippingStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { TestSmtp } from '../helpers/test-smtp';
import { waitUntil } from '../helpers/wait';

/**
 * Real SMTP faults: a 550 refusal, and a server that is down for a while. Each test has its own SMTP
 * server and its own worker, so nothing one test leaves behind (a refusal list, a server down, sends
 * still retrying) reaches the next, and each passes alone.
 */
async function withFaults(fn: (smtp: TestSmtp, s: Stack) => Promise<void>): Promise<void> {
  const smtp = await TestSmtp.create();
  let s: Stack | undefined;
  try {
    s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false', CHIDAO_SMTP_URL: smtp.url });
    await s.run(() => fn(smtp, s!));
  } finally {
    await s?.close();
    await smtp.down();
  }
}

const POLICY = { acknowledge: { due: 'PT10M' }, reminders: [], escalation: [] };

/** Resolves the returned promise's `arrived` when a message of `kind` reaches SMTP, and answers 250 only on `release()`. */
function holdAtSmtp(smtp: TestSmtp, kind: string) {
  let release!: () => void;
  let arrived!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const reached = new Promise<void>((r) => (arrived = r));
  smtp.onData = async (m) => {
    if (m.kind !== kind) return;
    arrived();
    await held;
  };
  return { reached, release };
}

describe('SMTP faults', () => {
  it('a recipient refused with 550 is marked undeliverable, the Office is told, and a corrected address resumes delivery', async () => {
    await withFaults(async (smtp, s) => {
      const plan = testPlan({ policy: POLICY, units: 2 });
      smtp.refuse.add('t1@thads.example');
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
      const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      const st = await waitUntil(
        () => h.query(unitStateQuery),
        (x) => x.stage === 'undeliverable',
      );
      expect(st.deliveryError).toMatch(/550|User unknown/);
      const notice = await waitUntil(
        async () => smtp.received.find((m) => m.raw.includes(plan.key) && m.kind === 'undeliverable'),
        (m) => !!m,
      );
      const ofRun = smtp.received.filter((m) => m.raw.includes(plan.key));
      expect(notice?.to).toEqual(['vp@thads.example']);
      // T2 was not held up by T1's refusal.
      expect(ofRun.some((m) => m.kind === 'dispatch' && m.to[0] === 't2@thads.example')).toBe(true);

      await h.executeUpdate(correctAddressUpdate, { args: [{ by: 'VP', emails: ['t1.moi@thads.example'] }] });
      const fixed = await waitUntil(
        () => h.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );
      expect(fixed.unit.emails).toEqual(['t1.moi@thads.example']);
      expect(
        smtp.received.filter(
          (m) => m.raw.includes(plan.key) && m.kind === 'dispatch' && m.to[0] === 't1.moi@thads.example',
        ),
      ).toHaveLength(1);
    });
  });

  // The cause of this file's failure on a cold machine: the Office corrected the address as soon as its
  // notice reached SMTP, while the notice's activity was still recording it (sent-log and audit fsyncs,
  // completion). The lifecycle read "the address that failed" only after that activity returned, so it
  // took the corrected address for the refused one and waited for a change that had already happened.
  // Here the notice is held at SMTP until the correction is in, which makes that order certain.
  it('an address corrected while the Office is still being told of the refusal resumes delivery', async () => {
    await withFaults(async (smtp, s) => {
      const plan = testPlan({ policy: POLICY, units: 1 });
      smtp.refuse.add('t1@thads.example');
      const notice = holdAtSmtp(smtp, 'undeliverable');
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
      const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      await notice.reached;
      await h.executeUpdate(correctAddressUpdate, { args: [{ by: 'VP', emails: ['t1.moi@thads.example'] }] });
      notice.release();

      const fixed = await waitUntil(
        () => h.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );
      expect(fixed.unit.emails).toEqual(['t1.moi@thads.example']);
      expect(
        smtp.received.filter(
          (m) => m.raw.includes(plan.key) && m.kind === 'dispatch' && m.to[0] === 't1.moi@thads.example',
        ),
      ).toHaveLength(1);
      expect(smtp.received.filter((m) => m.raw.includes(plan.key) && m.kind === 'undeliverable')).toHaveLength(1);
    });
  });

  it('an SMTP server down for a while delays mail but loses none, and sends none twice', async () => {
    await withFaults(async (smtp, s) => {
      const plan = testPlan({ policy: POLICY, units: 3 });
      await smtp.down();
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
      const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      // Not a pause of a guessed length: wait until T1's dispatch has failed and is being retried.
      const desc = await waitUntil(
        () => h.describe(),
        (d) => (d.raw.pendingActivities ?? []).some((a) => (a.attempt ?? 0) >= 2 && !!a.lastFailure),
      );
      expect(desc.raw.pendingActivities?.[0]?.lastFailure?.message).toMatch(/ECONNREFUSED/);
      expect((await h.query(unitStateQuery)).stage).toBe('dispatching');
      expect(smtp.received.filter((m) => m.raw.includes(plan.key))).toHaveLength(0);

      await smtp.up();
      for (const code of ['T1', 'T2', 'T3']) {
        await waitUntil(
          () => s.client.workflow.getHandle(unitWorkflowId(plan.key, code)).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
          60_000,
        );
      }
      await waitUntil(
        async () => smtp.received.filter((m) => m.raw.includes(plan.key) && m.kind === 'dispatch').length,
        (n) => n >= 4,
      );
      const dispatches = smtp.received.filter((m) => m.raw.includes(plan.key) && m.kind === 'dispatch');
      // Three units and the leader "để b/c": each exactly once.
      expect(dispatches.map((m) => m.to[0]).sort()).toEqual([
        't1@thads.example',
        't2@thads.example',
        't3@thads.example',
        'tct@thads.example',
      ]);
      expect(new Set(dispatches.map((m) => m.messageId)).size).toBe(4);
    });
  });
});
