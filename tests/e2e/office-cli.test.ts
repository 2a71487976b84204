import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { readRunRows } from '../../src/client/run-rows';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { devServerStack, type Stack } from '../helpers/stack';
import { chidao } from '../helpers/cli';
import { staffAccount } from '../helpers/accounts';
import { testPlan } from '../helpers/fixtures';

/** The Office's commands on a bad day: after a recall, and while no worker answers (issue 13 items 6, 10). */
let s: Stack;
const saved = { ...process.env };
beforeAll(async () => {
  s = await devServerStack();
  process.env.TEMPORAL_ADDRESS = inject('temporalAddress');
  process.env.CHIDAO_TASK_QUEUE = s.taskQueue;
  process.env.CHIDAO_DATA_DIR = s.config.CHIDAO_DATA_DIR;
  process.env.CHIDAO_USER = (await staffAccount(s.config.CHIDAO_DATA_DIR)).login;
});
afterAll(async () => {
  process.env = saved;
  await s?.close();
});

const POLICY = { acknowledge: { due: 'PT1S' }, reports: [], reminders: [], escalation: [] };

describe('the Office CLI on a bad day', () => {
  it('after a recall, acts and a second recall say the directive was recalled, and status shows no unit overdue', async () => {
    await s.run(async () => {
      const plan = testPlan({ policy: POLICY, units: 2 });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
      const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
      await vi.waitFor(async () => expect((await unit('T2').query(unitStateQuery)).overdue).toBe(true), {
        timeout: 30_000,
        interval: 200,
      });
      expect(await chidao('recall', plan.key, '--reason', 'Ban hành nhầm')).toMatchObject({ code: 0 });
      await s.client.workflow.getHandle(runWorkflowId(plan.key)).result();

      for (const argv of [
        ['ack', plan.key, 'T1'],
        ['extend', plan.key, 'T2', '--until', '2099-01-01'],
        ['recall', plan.key, '--reason', 'Lần hai'],
      ]) {
        const r = await chidao(...argv);
        expect(r.code, argv.join(' ')).toBe(1);
        expect(r.out, argv.join(' ')).toMatch(
          /Từ chối: Văn bản \d+\/TCTHADS-VP đã bị thu hồi \(lý do: Ban hành nhầm\)/,
        );
      }
      const status = await chidao('status', plan.key, '--json');
      expect(status.code).toBe(0);
      const rows = (JSON.parse(status.out) as { rows: { stage: string; overdue: boolean }[] }).rows;
      expect(rows.map((r) => [r.stage, r.overdue])).toEqual([
        ['recalled', false],
        ['recalled', false],
      ]);
    });
  });

  it('status --json of a 500-unit run, piped through python3 -m json.tool, arrives whole', async () => {
    await s.run(async () => {
      const plan = testPlan({
        policy: { acknowledge: { due: 'PT1H' }, reports: [], reminders: [], escalation: [] },
        units: 500,
      });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 100 });
      // Past the fan-out first: this is about the pipe, and a worker still busy sending 500 dispatches on
      // a loaded machine may not answer within status's patience (it then answers from visibility).
      await vi.waitFor(
        async () => {
          const { rows } = await readRunRows(s.client, runWorkflowId(plan.key));
          expect(rows.filter((r) => r.stage === 'dispatched')).toHaveLength(500);
        },
        { timeout: 110_000, interval: 1000 },
      );
      // The real bin, its stdout a pipe to another process: more than 64 KiB must arrive whole.
      // Asynchronously: the worker answering the queries runs in this process.
      const { stdout: out } = await promisify(execFile)(
        'bash',
        ['-c', `set -o pipefail; node bin/chidao.mjs status ${plan.key} --json | python3 -m json.tool`],
        {
          env: process.env,
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'buffer',
        },
      );
      expect(out.length).toBeGreaterThan(64 * 1024);
      const parsed = JSON.parse(out.toString('utf8')) as { rows: { code: string }[] };
      // The workers' answer, not the fallback for when none answers.
      expect(parsed).not.toHaveProperty('degraded');
      expect(parsed.rows).toHaveLength(500);
    });
  });

  it('while no worker answers, status still answers from the server, in Vietnamese, and says why', async () => {
    const plan = testPlan({
      policy: { acknowledge: { due: 'PT1H' }, reports: [], reminders: [], escalation: [] },
      units: 3,
    });
    await s.run(async () => {
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
      // Every unit dispatched before the worker goes: the table below must show each one's last stage.
      for (const code of ['T1', 'T2', 'T3'])
        await vi.waitFor(
          async () =>
            expect(
              (await s.client.workflow.getHandle(unitWorkflowId(plan.key, code)).query(unitStateQuery)).stage,
            ).toBe('dispatched'),
          { timeout: 30_000, interval: 200 },
        );
    });
    s.worker.shutdown();
    await vi.waitFor(() => expect(s.worker.getState()).toBe('STOPPED'), { timeout: 30_000 });
    // Visibility catches up within a second or two of the last change.
    await vi.waitFor(
      async () => {
        const r = await chidao('status', plan.key);
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/không có worker nào trả lời kịp/);
        expect(r.out).toMatch(/T1\s+Đã gửi, chờ xác nhận/);
        expect(r.out).toMatch(/T3\s+Đã gửi, chờ xác nhận/);
      },
      { timeout: 60_000, interval: 1000 },
    );
    const json = await chidao('status', plan.key, '--json');
    expect(JSON.parse(json.out)).toMatchObject({
      degraded: expect.stringMatching(/không có worker/),
      rows: [{ code: 'T1' }, { code: 'T2' }, { code: 'T3' }],
    });
  });
});
