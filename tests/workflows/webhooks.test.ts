import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { recallUpdate } from '../../src/workflows/dissemination-run';
import { runWorkflowId, unitWorkflowId, webhookDeliveryWorkflowId, webhookTaskQueue } from '../../src/workflows/ids';
import { FileAuditStore } from '../../src/audit/file-store';
import { join } from 'node:path';
import { acknowledgeUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { Subscriptions } from '../../src/webhooks/subscriptions';
import { deliveryLogFile } from '../../src/activities/webhooks';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';

/**
 * Webhooks against a real HTTP receiver that refuses the first two attempts and then recovers: every
 * subscribed event arrives exactly once, signed in the Standard Webhooks format, and a receiver's check
 * written from that specification (not our signer) accepts the signature and refuses a tampered body.
 */
interface Received {
  status: number;
  headers: Record<string, string>;
  body: string;
}
let s: Stack;
let receiver: Server;
let url: string;
const received: Received[] = [];
let refuseFirst = 2;

beforeAll(async () => {
  s = await devServerStack();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const status = refuseFirst-- > 0 ? 503 : 200;
      received.push({ status, headers: req.headers as Record<string, string>, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/chidao`;
});
afterAll(async () => {
  await new Promise<void>((r) => receiver?.close(() => r()));
  await s?.close();
});

/** The receiver's check, as standardwebhooks.com specifies it. */
function verifies(secret: string, r: Received): boolean {
  const id = r.headers['webhook-id']!;
  const ts = r.headers['webhook-timestamp']!;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${r.body}`).digest();
  return r.headers['webhook-signature']!.split(' ').some((v) => {
    const [version, sig] = v.split(',');
    const got = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
  });
}

/** Starts the run, waits for T1's dispatch, and acknowledges for it: the first event a receiver gets. */
async function startAndAcknowledge(plan: ReturnType<typeof testPlan>) {
  await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
  const unit = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
  await waitUntil(
    async () => (await unit.query(unitStateQuery).catch(() => undefined))?.stage,
    (x) => x === 'dispatched',
  );
  await unit.executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
}

describe('webhooks', () => {
  it('a receiver down for its first two attempts gets every subscribed event once, signed; tampering shows', async () => {
    const sub = new Subscriptions(s.config.CHIDAO_DATA_DIR).add(url, ['acknowledged', 'recalled']);
    const plan = testPlan({
      units: 2,
      policy: { acknowledge: { due: 'PT1H' }, reports: [], reminders: [], escalation: [] },
    });
    await s.run(async () => {
      await startAndAcknowledge(plan);
      await s.client.workflow
        .getHandle(runWorkflowId(plan.key))
        .executeUpdate(recallUpdate, { args: [{ by: 'VP', reason: 'Thử webhook' }] });
      const delivered = () => received.filter((r) => r.status === 200 && r.body.includes(plan.key));
      await waitUntil(
        () => delivered().length,
        (n) => n >= 2,
        60_000,
      );
    });
    const ok = received.filter((r) => r.status === 200 && r.body.includes(plan.key));
    const events = ok.map(
      (r) => JSON.parse(r.body) as { id: string; type: string; data: { runKey: string; unit?: string } },
    );
    expect(events.map((e) => [e.type, e.data.unit]).sort()).toEqual([
      ['acknowledged', 'T1'],
      ['recalled', undefined],
    ]);
    // Each delivered exactly once, under the id the receiver dedupes by, and the two refusals were retried.
    expect(new Set(ok.map((r) => r.headers['webhook-id'])).size).toBe(2);
    expect(received.filter((r) => r.status === 503)).toHaveLength(2);
    for (const r of ok) expect(verifies(sub.secret, r)).toBe(true);
    expect(verifies(sub.secret, { ...ok[0]!, body: ok[0]!.body.replace(plan.key, `${plan.key}-khac`) })).toBe(false);
    expect(verifies(`whsec_${Buffer.alloc(32).toString('base64')}`, ok[0]!)).toBe(false);
    // The administrator's log has the refused attempts and the deliveries.
    const log = readFileSync(deliveryLogFile(s.config.CHIDAO_DATA_DIR), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; status?: number });
    expect(log.filter((l) => l.outcome === 'refused' && l.status === 503)).toHaveLength(2);
    expect(log.filter((l) => l.outcome === 'delivered')).toHaveLength(2);
  });

  it("deliveries' HTTP calls run on a queue of their own, not in the slots that send mail", async () => {
    const mine = new Subscriptions(s.config.CHIDAO_DATA_DIR).add(url, ['acknowledged']);
    const plan = testPlan({
      units: 1,
      policy: { acknowledge: { due: 'PT1H' }, reports: [], reminders: [], escalation: [] },
    });
    await s.run(async () => {
      await startAndAcknowledge(plan);
      const records = await waitUntil(
        () => new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(plan.key),
        (rs) => rs.some((r) => r.kind === 'acknowledged'),
      );
      const ack = records.find((r) => r.kind === 'acknowledged')!;
      const delivery = s.client.workflow.getHandle(webhookDeliveryWorkflowId(mine.id, ack.key));
      await delivery.result();
      const history = await delivery.fetchHistory();
      const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!;
      const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes);
      // The workflow on the run's queue; its one HTTP call on the webhooks' queue.
      expect(started.workflowExecutionStartedEventAttributes!.taskQueue!.name).toBe(s.taskQueue);
      expect(scheduled.map((e) => e.activityTaskScheduledEventAttributes!.taskQueue!.name)).toEqual([
        webhookTaskQueue(s.taskQueue),
      ]);
    });
  });
});
