import { injectLogin } from '../helpers/inject';
import { staffAccount } from '../helpers/accounts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, inject, it } from 'vitest';
import type { Logger } from '@temporalio/common';
import { startRun } from '../../src/client/start-run';
import { main } from '../../src/cli/main';
import { createWebServer } from '../../src/web/server';
import { describeMailHealth, readMailHealth } from '../../src/client/mail-health';
import { MailHealthTracker } from '../../src/activities/mail-health';
import { unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import {
  mailDownSignal,
  mailHealth,
  mailHealthWorkflowId,
  mailUpSignal,
  MAIL_RESTORED_NOTICE_AFTER_MS,
} from '../../src/workflows/mail-health';
import type { MessageRequest } from '../../src/domain/messages';
import { generateSigningKey } from '../../src/audit/keys';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { TestSmtp, textOf } from '../helpers/test-smtp';
import { waitUntil as waitFor } from '../helpers/wait';

/**
 * The mail server's health, on the dev server with a real SMTP server that goes down and comes back.
 * Each test has its own SMTP server, worker and task queue (so its own mailHealth record).
 */
async function withStack(fn: (smtp: TestSmtp, s: Stack) => Promise<void>): Promise<void> {
  const smtp = await TestSmtp.create();
  let s: Stack | undefined;
  try {
    s = await devServerStack({ CHIDAO_SMTP_URL: smtp.url, CHIDAO_SEARCH_ATTRIBUTES: 'false' });
    await s.run(() => fn(smtp, s!));
  } finally {
    await s?.close();
    await smtp.down();
  }
}

const POLICY = { acknowledge: { due: 'PT1H' }, reminders: [], escalation: [] };
const start = (s: Stack, plan: ReturnType<typeof testPlan>) =>
  startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
const health = (s: Stack) => readMailHealth(s.client, s.taskQueue);

/** Outages and their notices take a while on the dev server: a minute, not the helper's 30 s. */
const waitUntil = <T>(read: () => Promise<T>, ok: (v: T) => boolean) => waitFor(read, ok, 60_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function allDispatched(s: Stack, key: string, codes: string[]): Promise<void> {
  for (const code of codes)
    await waitUntil(
      () => s.client.workflow.getHandle(unitWorkflowId(key, code)).query(unitStateQuery),
      (x) => x.stage === 'dispatched',
    );
}

/** chidao status, in-process, pointed at this stack's server and task queue. */
async function statusOf(s: Stack, key: string): Promise<string> {
  const saved = { ...process.env };
  Object.assign(process.env, { TEMPORAL_ADDRESS: inject('temporalAddress'), CHIDAO_TASK_QUEUE: s.taskQueue });
  let out = '';
  try {
    expect(await main(['status', key], new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }))).toBe(0);
  } finally {
    process.env = saved;
  }
  return out;
}

describe('mail server health', () => {
  it('while the SMTP server is down the record says since when, why and whose mail waits; it is up again once mail goes through', async () => {
    await withStack(async (smtp, s) => {
      const plan = testPlan({ policy: POLICY, units: 2 });
      expect(await health(s)).toBeUndefined();
      await smtp.down();
      const before = Date.now();
      await start(s, plan);

      const down = await waitUntil(
        () => health(s),
        (h) => h?.state === 'down',
      );
      expect(down!.since).toBeGreaterThanOrEqual(before);
      expect(down!.since).toBeLessThanOrEqual(Date.now());
      expect(down!.lastError).toMatch(/ECONNREFUSED/);
      expect(down!.outages).toBe(1);
      expect(down!.affectedRuns).toEqual([
        {
          runKey: plan.key,
          ref: `${plan.directive.number}/${plan.directive.symbol}`,
          subject: plan.directive.subject,
          officeName: plan.office.name,
          officeEmails: ['vp@thads.example'],
        },
      ]);
      const sentence = describeMailHealth(down, Date.now())!;
      expect(sentence).toMatch(
        /^Đang chờ máy chủ thư: chưa gửi được từ \d\d:\d\d \d\d\/\d\d\/\d{4}, đã \d+ (giây|phút); thư của 1 văn bản đang chờ \(lỗi gần nhất: .*ECONNREFUSED.*\)\.$/,
      );
      // The Office sees it where it looks: chidao status and the run's page.
      const status = await statusOf(s, plan.key);
      expect(status).toMatch(/^Đang chờ máy chủ thư: chưa gửi được từ .*ECONNREFUSED/);
      expect(status).toContain('Đang gửi');
      const web = await createWebServer({
        client: s.client,
        config: { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue },
      });
      try {
        const session = await injectLogin(web, await staffAccount(s.config.CHIDAO_DATA_DIR));
        const page = await web.inject({
          method: 'GET',
          url: `/office/run/${plan.key}`,
          cookies: { chidao_session: session },
        });
        expect(page.statusCode).toBe(200);
        expect(page.body).toMatch(/Đang chờ máy chủ thư: chưa gửi được từ/);
      } finally {
        await web.close();
      }

      await smtp.up();
      const up = await waitUntil(
        () => health(s),
        (h) => h?.state === 'up',
      );
      expect(up!.lastError).toBeUndefined();
      expect(up!.affectedRuns).toEqual([]);
      expect(up!.lastOutage).toMatchObject({ from: down!.since, runs: 1, notified: false });
      expect(up!.lastOutage!.to).toBeGreaterThan(down!.since);
      expect(up!.since).toBe(up!.lastOutage!.to);
      expect(describeMailHealth(up, Date.now())).toBeUndefined();
      await allDispatched(s, plan.key, ['T1', 'T2']);
    });
  });

  it('after an outage longer than the threshold the Office gets exactly one notice, however often the outage is reported', async () => {
    await withStack(async (smtp, s) => {
      const threshold = 1000;
      // The record exists before the outage, with a short threshold; the worker's reports go to it.
      await s.client.workflow.start(mailHealth, {
        workflowId: mailHealthWorkflowId(s.taskQueue),
        taskQueue: s.taskQueue,
        args: [{ notifyAfterMs: threshold }],
      });
      const plan = testPlan({ policy: POLICY, units: 2 });
      await smtp.down();
      await start(s, plan);
      const down = await waitUntil(
        () => health(s),
        (h) => h?.state === 'down',
      );
      // Longer than the threshold by the clock the worker reads too, whatever the machine's speed.
      await sleep(Math.max(0, down!.since + threshold + 500 - Date.now()));
      await smtp.up();

      const up = await waitUntil(
        () => health(s),
        (h) => h?.state === 'up' && h.lastOutage?.notified === true,
      );
      const notices = () => smtp.received.filter((m) => m.kind === 'mail-restored');
      expect(notices()).toHaveLength(1);
      const [n] = notices();
      expect(n!.to).toEqual(['vp@thads.example']);
      expect(n!.messageId).toBe(
        `<mail-health-${s.taskQueue}.office-mail-0.mail-restored.${up!.lastOutage!.from}@chidao.local>`,
      );
      const text = textOf(n!.raw);
      expect(text).toMatch(
        /^Máy chủ thư đã hoạt động lại; thư bị chậm từ \d\d:\d\d \d\d\/\d\d\/\d{4} đến \d\d:\d\d \d\d\/\d\d\/\d{4}; các thư chờ đang được gửi tiếp/,
      );
      expect(text).toContain(
        `- ${plan.directive.number}/${plan.directive.symbol} (${plan.key}): ${plan.directive.subject}`,
      );
      expect(text).toMatch(/Lỗi máy chủ thư gần nhất: connect ECONNREFUSED 127\.0\.0\.1:\d+/);

      // The same outage reported again (a second worker, a replayed report): a second outage on the record,
      // the same Message-ID, and no second email.
      const h = s.client.workflow.getHandle(mailHealthWorkflowId(s.taskQueue));
      const affected = down!.affectedRuns;
      await h.signal(mailDownSignal, { at: up!.lastOutage!.from, error: 'again', affected });
      await h.signal(mailUpSignal, { at: up!.lastOutage!.to, affected: [] });
      const again = await waitUntil(
        () => health(s),
        (x) => x?.state === 'up' && x.outages === 2 && x.lastOutage?.notified === true,
      );
      expect(again!.lastOutage!.from).toBe(up!.lastOutage!.from);
      expect(notices()).toHaveLength(1);
      await allDispatched(s, plan.key, ['T1', 'T2']);
    });
  });

  it('after an outage shorter than the threshold (10 minutes by default) nobody is emailed', async () => {
    expect(MAIL_RESTORED_NOTICE_AFTER_MS).toBe(10 * 60_000);
    await withStack(async (smtp, s) => {
      const plan = testPlan({ policy: POLICY, units: 2 });
      await smtp.down();
      await start(s, plan);
      await waitUntil(
        () => health(s),
        (h) => h?.state === 'down',
      );
      await smtp.up();
      const up = await waitUntil(
        () => health(s),
        (h) => h?.state === 'up',
      );
      // The decision is taken when the server comes back: nothing is pending that could go out later.
      expect(up!.lastOutage).toMatchObject({ runs: 1, notified: false });
      await allDispatched(s, plan.key, ['T1', 'T2']);
      // The two units and the leader "để b/c" (sent by the run, not by a unit's lifecycle, so it may
      // still be on its way when both units show dispatched): every waiting mail went, and no notice.
      await waitUntil(
        async () => smtp.received.filter((m) => m.kind === 'dispatch').length,
        (n) => n >= 3,
      );
      expect(smtp.received.filter((m) => m.kind === 'mail-restored')).toHaveLength(0);
    });
  });

  it('a recipient refused with 550 is not an outage', async () => {
    await withStack(async (smtp, s) => {
      await s.client.workflow.start(mailHealth, {
        workflowId: mailHealthWorkflowId(s.taskQueue),
        taskQueue: s.taskQueue,
        args: [{}],
      });
      const plan = testPlan({ policy: POLICY, units: 2 });
      smtp.refuse.add('t1@thads.example');
      await start(s, plan);
      await waitUntil(
        () => s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1')).query(unitStateQuery),
        (x) => x.stage === 'undeliverable',
      );
      await waitUntil(
        async () => smtp.received.filter((m) => m.kind === 'undeliverable').length,
        (n) => n === 1,
      );
      await allDispatched(s, plan.key, ['T2']);
      const h = await health(s);
      expect(h).toMatchObject({ state: 'up', outages: 0, affectedRuns: [] });
      expect(h!.lastError).toBeUndefined();
      // Never reported down. (The worker's first answer from the server, the 550 itself, tells a record
      // that already exists that the server is up: once per worker process.)
      const signals = (await s.client.workflow.getHandle(mailHealthWorkflowId(s.taskQueue)).fetchHistory())
        .events!.filter((e) => e.workflowExecutionSignaledEventAttributes)
        .map((e) => e.workflowExecutionSignaledEventAttributes!.signalName);
      expect(signals).toEqual(['mailUp']);
    });
  });

  it('the tracker writes one line and one report per change of state, not per failed attempt', async () => {
    await withStack(async (_smtp, s) => {
      const lines: string[] = [];
      const logger: Logger = {
        log: (_l, m) => lines.push(m),
        trace: () => {},
        debug: () => {},
        info: (m) => lines.push(m),
        warn: (m) => lines.push(m),
        error: (m) => lines.push(m),
      };
      let now = Date.parse('2026-11-25T07:02:00Z');
      // A worker that starts and sends without trouble writes nothing and creates no record.
      const quiet = new MailHealthTracker({
        client: s.client,
        taskQueue: s.taskQueue,
        logger: () => logger,
        now: () => now,
      });
      quiet.succeeded();
      await quiet.flush();
      expect(lines).toEqual([]);
      expect(await health(s)).toBeUndefined();

      const tracker = new MailHealthTracker({
        client: s.client,
        taskQueue: s.taskQueue,
        logger: () => logger,
        now: () => now,
      });
      const req = (i: number) =>
        ({
          runKey: `2026-${i}-X`,
          ref: `${i}/X`,
          subject: 'V/v thử',
          officeName: 'Văn phòng',
          replyTo: ['vp@thads.example'],
          kind: 'dispatch',
        }) as MessageRequest;

      for (let i = 0; i < 1000; i++) tracker.failed('connect ECONNREFUSED 127.0.0.1:25', req(i % 150));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('Máy chủ thư không nhận thư (connect ECONNREFUSED 127.0.0.1:25)');
      now += 59 * 60_000;
      tracker.failed('connect ECONNREFUSED 127.0.0.1:25', req(1));
      expect(lines).toHaveLength(1);
      now += 60_000;
      tracker.failed('Greeting never received', req(2));
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain('vẫn không nhận thư sau 60 phút (Greeting never received); 1002 lần thử');
      now += 30_000;
      tracker.succeeded();
      for (let i = 0; i < 1000; i++) tracker.succeeded();
      expect(lines).toHaveLength(3);
      expect(lines[2]).toContain('hoạt động lại sau 3630 giây; 1002 lần gửi thất bại');
      await tracker.flush();

      const h = await waitUntil(
        () => health(s),
        (x) => x?.state === 'up',
      );
      expect(h!.lastOutage).toMatchObject({
        from: Date.parse('2026-11-25T07:02:00Z'),
        to: now,
        lastError: 'Greeting never received',
        runs: 100,
      });
      const events = (await s.client.workflow.getHandle(mailHealthWorkflowId(s.taskQueue)).fetchHistory()).events!;
      expect(
        events
          .filter((e) => e.workflowExecutionSignaledEventAttributes)
          .map((e) => e.workflowExecutionSignaledEventAttributes!.signalName),
      ).toEqual(['mailDown', 'mailDown', 'mailUp']);
    });
  });

  it('the record keeps its history short: it continues as new and carries its state and threshold over', async () => {
    await withStack(async (smtp, s) => {
      const id = mailHealthWorkflowId(s.taskQueue);
      const first = await s.client.workflow.start(mailHealth, {
        workflowId: id,
        taskQueue: s.taskQueue,
        args: [{ notifyAfterMs: 1000, historyLimit: 20 }],
      });
      const run = {
        runKey: '2026-1-X',
        ref: '1/X',
        subject: 'V/v thử',
        officeName: 'Văn phòng',
        officeEmails: ['vp@thads.example'],
      };
      const h = s.client.workflow.getHandle(id);
      // Ten short outages (below the threshold), each a down and an up: far more events than the limit.
      // Each report is awaited until the record shows it, as workers report state changes minutes apart:
      // what this test checks is that continuing as new carries the state, not a storm of signals racing
      // the continue-as-new task (which Temporal answers by failing that task and replaying it).
      for (let i = 0; i < 10; i++) {
        await h.signal(mailDownSignal, { at: 1_000_000 + i * 10_000, error: `lỗi ${i}`, affected: [run] });
        await waitUntil(
          () => health(s),
          (x) => x?.outages === i + 1 && x.state === 'down',
        );
        await h.signal(mailUpSignal, { at: 1_000_500 + i * 10_000, affected: [] });
        await waitUntil(
          () => health(s),
          (x) => x?.outages === i + 1 && x.state === 'up',
        );
      }
      const after = await waitUntil(
        () => health(s),
        (x) => x?.outages === 10 && x.state === 'up',
      );
      expect(after!.lastOutage).toMatchObject({ from: 1_090_000, to: 1_090_500, lastError: 'lỗi 9', notified: false });
      const d = await h.describe();
      expect(d.runId).not.toBe(first.firstExecutionRunId);
      // The threshold came along: one long outage after the continue-as-new is still told.
      await h.signal(mailDownSignal, { at: 2_000_000, error: 'lỗi dài', affected: [run] });
      await h.signal(mailUpSignal, { at: 2_005_000, affected: [] });
      await waitUntil(
        () => health(s),
        (x) => x?.outages === 11 && x.lastOutage?.notified === true,
      );
      expect(smtp.received.filter((m) => m.kind === 'mail-restored')).toHaveLength(1);
    });
  });

  it('a worker process writes one line when mail stops and one when it resumes, not a stack per failed attempt', async () => {
    const smtp = await TestSmtp.create();
    await smtp.down();
    const taskQueue = `log-${Math.random().toString(36).slice(2)}`;
    // Signed digests on, as an office runs it: the worker's only lines are then about mail (without a key it
    // would also say, once at start, that digests are off).
    const keys = mkdtempSync(join(inject('tmpDir'), 'log-keys-'));
    generateSigningKey(join(keys, 'signing.pem'), join(keys, 'keyring.json'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        CHIDAO_TASK_QUEUE: taskQueue,
        CHIDAO_SMTP_URL: smtp.url,
        CHIDAO_DATA_DIR: mkdtempSync(join(inject('tmpDir'), 'log-')),
        CHIDAO_SEARCH_ATTRIBUTES: 'false',
        CHIDAO_LINK_SECRET: randomBytes(32).toString('hex'),
        CHIDAO_WORKFLOW_BUNDLE: inject('bundlePath'),
        CHIDAO_AUDIT_SIGNING_KEY: join(keys, 'signing.pem'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const { Client, Connection } = await import('@temporalio/client');
    const client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    try {
      await waitUntil(
        async () => stdout,
        (o) => o.includes('chidao worker:'),
      );
      const plan = testPlan({ policy: POLICY, units: 8 });
      await startRun(client, plan, { taskQueue, searchAttributes: false, batchSize: 100 });
      // Enough failed attempts that one stack each would be unmistakable: every unit retried at least twice.
      const attempts = async () => {
        let n = 0;
        for (let i = 1; i <= 8; i++) {
          const d = await client.workflow.getHandle(unitWorkflowId(plan.key, `T${i}`)).describe();
          n += Math.max(0, (d.raw.pendingActivities?.[0]?.attempt ?? 1) - 1);
        }
        return n;
      };
      const failed = await waitUntil(attempts, (n) => n >= 16);
      await smtp.up();
      for (let i = 1; i <= 8; i++)
        await waitUntil(
          () => client.workflow.getHandle(unitWorkflowId(plan.key, `T${i}`)).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
      await waitUntil(
        () => readMailHealth(client, taskQueue),
        (h) => h?.state === 'up' && h.outages === 1,
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);

      const lines = stderr.split('\n').filter(Boolean);
      expect(failed).toBeGreaterThanOrEqual(16);
      expect(stderr).not.toContain('Activity failed');
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(lines.filter((l) => l.includes('Máy chủ thư'))).toHaveLength(2);
      expect(lines.find((l) => l.includes('Máy chủ thư không nhận thư'))).toMatch(/\[WARN\].*ECONNREFUSED/);
      expect(lines.find((l) => l.includes('Máy chủ thư hoạt động lại'))).toMatch(
        /\[WARN\].*sau \d+ giây; \d+ lần gửi thất bại/,
      );
      expect(lines, stderr).toHaveLength(2);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await client.connection.close();
      await smtp.down();
    }
  });
});

describe('describing the record', () => {
  it('readMailHealth answers undefined, without throwing, when nothing answers', async () => {
    const { Client, Connection } = await import('@temporalio/client');
    const client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    try {
      // No record for this queue.
      expect(await readMailHealth(client, `none-${Date.now()}`)).toBeUndefined();
      // A record whose queue no worker polls: the query times out.
      const q = `nobody-${Date.now()}`;
      await client.workflow.start(mailHealth, { workflowId: mailHealthWorkflowId(q), taskQueue: q, args: [{}] });
      const t0 = Date.now();
      expect(await readMailHealth(client, q, 1000)).toBeUndefined();
      expect(Date.now() - t0).toBeLessThan(10_000);
      await client.workflow.getHandle(mailHealthWorkflowId(q)).terminate('test');
    } finally {
      await client.connection.close();
    }
  });
});
