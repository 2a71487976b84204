import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTS_USED, startCluster, type Cluster } from '../../src/dev/cluster';
import { startRun } from '../../src/client/start-run';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { devServerStack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { freePortRange } from '../helpers/ports';
import { TestSmtp } from '../helpers/test-smtp';
import { waitUntil } from '../helpers/wait';
import { seedDirectiveEndToEnd } from '../e2e/seed-run';

/**
 * chidao on a production-shaped Temporal cluster (`npm run cluster`): PostgreSQL for persistence and
 * visibility, frontend, matching, worker and two history processes, each its own process. The same
 * end-to-end run as on the dev server, then what only a cluster can do: lose a history process mid
 * fan-out, and stop altogether with timers pending.
 */
let cluster: Cluster | undefined;
let dir: string;
let base: number;

async function start(): Promise<Cluster> {
  return startCluster({ dataDir: dir, basePort: base });
}

beforeAll(async () => {
  // Under /tmp and readable, so PostgreSQL (run as its own user when we are root) keeps its files here.
  dir = mkdtempSync(join(tmpdir(), 'chidao-cluster-'));
  chmodSync(dir, 0o755);
  for (let attempt = 1; ; attempt++) {
    base = await freePortRange(PORTS_USED);
    try {
      cluster = await start();
      break;
    } catch (e) {
      // A port taken between the check and the bind shows as a service that died at start; try elsewhere.
      if (attempt >= 3) throw e;
    }
  }
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
  if (!process.env.CHIDAO_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true });
});

const QUIET = { acknowledge: { due: 'P30D' }, reports: [], reminders: [], escalation: [] };

describe('on a Temporal cluster (PostgreSQL, five server processes)', () => {
  it('every recipient of 4432/TCTHADS-VP gets it by email; overdue units are one visibility query away', async () => {
    const s = await devServerStack({ CHIDAO_BATCH_SIZE: '20' }, cluster!.address);
    try {
      await s.run(() => seedDirectiveEndToEnd(s));
    } finally {
      await s.close();
    }
  });

  it('a history process killed with SIGKILL in the middle of a 1,000-unit fan-out: every unit is mailed exactly once', async () => {
    const smtp = await TestSmtp.create();
    const s = await devServerStack({ CHIDAO_SMTP_URL: smtp.url, CHIDAO_SEARCH_ATTRIBUTES: 'false' }, cluster!.address);
    try {
      await s.run(async () => {
        const plan = testPlan({ policy: QUIET, units: 1000 });
        const dispatches = () => smtp.received.filter((m) => m.kind === 'dispatch' && m.raw.includes(plan.key));
        await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
        await waitUntil(
          async () => dispatches().length,
          (n) => n >= 300,
          240_000,
        );
        const victim = cluster!.processes.get('history-1')!;
        const killedAt = dispatches().length;
        victim.kill('SIGKILL');
        await new Promise((r) => victim.once('exit', r));
        // Ten seconds without it: its shards move to the other history process, then it comes back.
        await new Promise((r) => setTimeout(r, 10_000));
        await cluster!.restart('history-1');

        // Every unit mailed: 1,001 distinct Message-IDs (a duplicate must not make the count early).
        await waitUntil(
          async () => new Set(dispatches().map((m) => m.messageId)).size,
          (n) => n >= 1001,
          480_000,
        );
        expect(killedAt).toBeLessThan(1001);
        // Late duplicates would come after the last first delivery: give them a moment to arrive.
        await new Promise((r) => setTimeout(r, 3_000));
        expect(new Set(dispatches().map((m) => m.messageId)).size).toBe(1001);
        // None twice: the sent-log and the worker's in-flight sends keep a re-dispatched task from sending again.
        expect(dispatches()).toHaveLength(1001);
        const to = new Set(dispatches().flatMap((m) => m.to));
        for (let i = 1; i <= 1000; i++) expect(to.has(`t${i}@thads.example`)).toBe(true);
        expect(to.has('tct@thads.example')).toBe(true);
        await s.client.workflow.getHandle(runWorkflowId(plan.key)).terminate('test done');
      });
    } finally {
      await s.close();
      await smtp.down();
    }
    // A 1,000-unit fan-out on two cores, with a history process gone for ten seconds of it.
  }, 600_000);

  it('a deadline timer fires after the whole cluster has stopped and started again', async () => {
    const plan = testPlan({ policy: { ...QUIET, acknowledge: { due: 'PT45S' } }, units: 1 });
    const before = await devServerStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' }, cluster!.address);
    let dispatchedAt: number;
    try {
      dispatchedAt = await before.run(async () => {
        await startRun(before.client, plan, { taskQueue: before.taskQueue, searchAttributes: false, batchSize: 100 });
        const st = await waitUntil(
          () => before.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1')).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
          60_000,
        );
        expect(st.overdue).toBe(false);
        return st.dispatchedAt!;
      });
    } finally {
      await before.close();
    }
    const downAt = Date.now();
    await cluster!.stop();
    cluster = undefined;
    cluster = await start();

    // The worker goes on with the same task queue; the timer lives in PostgreSQL, not in any process.
    const after = await devServerStack(
      { CHIDAO_SEARCH_ATTRIBUTES: 'false', CHIDAO_TASK_QUEUE: before.taskQueue },
      cluster.address,
    );
    try {
      await after.run(async () => {
        const unit = after.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
        const st = await waitUntil(
          () => unit.query(unitStateQuery),
          (x) => x.overdue,
          180_000,
        );
        expect(st.stage).toBe('dispatched');
        // 45 s from the lifecycle's start, a moment before its dispatch was recorded.
        expect(Math.abs(st.ackDeadline! - dispatchedAt - 45_000)).toBeLessThan(5_000);
        // The timer was still pending when every process stopped: the restarted cluster fired it.
        expect(downAt).toBeLessThan(st.ackDeadline!);
        await after.client.workflow.getHandle(runWorkflowId(plan.key)).terminate('test done');
      });
    } finally {
      await after.close();
    }
    // The cluster stops and starts again (about a minute here) before the timer can fire.
  }, 300_000);
});
