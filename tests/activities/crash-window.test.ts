import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Client, Connection } from '@temporalio/client';
import { startRun } from '../../src/client/start-run';
import { unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { createActivities, type SendResult } from '../../src/activities';
import { createSmtpMailer } from '../../src/activities/mailer';
import { FileSentLog } from '../../src/activities/sent-log';
import { FileAuditStore } from '../../src/audit/file-store';
import { LinkSigner } from '../../src/links/signer';
import { testConfig } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { TestSmtp } from '../helpers/test-smtp';
import type { MessageRequest } from '../../src/domain/messages';

/**
 * Idempotent email. The sent-log is checked before sending and written after SMTP accepts; the window
 * between the two is the only place a crash sends a message twice. These tests produce both cases for
 * real: a worker process frozen and killed inside the window, and a retry after the record.
 */
let smtp: TestSmtp;
let client: Client;
beforeAll(async () => {
  smtp = await TestSmtp.create();
  client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
});
afterAll(async () => {
  await smtp?.down();
  await client?.connection.close();
});

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/worker-process.ts'], {
    env: { ...process.env, ...env, CHIDAO_TEST_BUNDLE: inject('bundlePath') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
}

/** Activities' parts over the test's SMTP server and a fresh data folder, and a reminder to send. */
function sendSetup(tag: string) {
  const cfg = testConfig({ CHIDAO_SMTP_URL: smtp.url });
  const mailer = createSmtpMailer({ url: smtp.url, rate: 100, poolSize: 2 });
  const deps = {
    audit: new FileAuditStore(join(cfg.CHIDAO_DATA_DIR, 'audit')),
    sentLog: new FileSentLog(join(cfg.CHIDAO_DATA_DIR, 'sent')),
    links: new LinkSigner(cfg.CHIDAO_LINK_SECRET, cfg.CHIDAO_PUBLIC_URL, 90),
    client,
    from: cfg.CHIDAO_MAIL_FROM,
    messageIdDomain: 'chidao.local',
  };
  const req: MessageRequest = {
    runKey: `${tag}-${Date.now()}`,
    ref: '1/TEST',
    subject: 'V/v thử',
    party: 'T9',
    seq: 0,
    to: ['t9@thads.example'],
    replyTo: ['vp@thads.example'],
    officeName: 'Văn phòng',
    kind: 'reminder',
    unit: { code: 'T9', name: 'Đơn vị 9' },
    target: 'acknowledge',
    deadline: Date.now() + 3_600_000,
  };
  return { cfg, mailer, deps, req };
}

describe('a worker crash between send and record', () => {
  it('sends the message at most once more, with the same Message-ID, and the unit carries on', async () => {
    const cfg = testConfig({ CHIDAO_SMTP_URL: smtp.url });
    const taskQueue = `crash-${Math.random().toString(36).slice(2)}`;
    const env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CHIDAO_TASK_QUEUE: taskQueue,
      CHIDAO_SMTP_URL: smtp.url,
      CHIDAO_DATA_DIR: cfg.CHIDAO_DATA_DIR,
      CHIDAO_SEARCH_ATTRIBUTES: 'false',
      CHIDAO_LINK_SECRET: cfg.CHIDAO_LINK_SECRET!,
    };
    const plan = testPlan({ policy: { acknowledge: { due: 'PT1H' }, reminders: [], escalation: [] }, units: 1 });
    const first = await startWorker(env);
    let killed = false;
    smtp.onData = async (m) => {
      if (killed || m.kind !== 'dispatch' || m.to[0] !== 't1@thads.example' || !m.raw.includes(plan.key)) return;
      killed = true;
      // Freeze the worker before it can read our 250, answer, then kill it: the message is delivered
      // and the worker never recorded it.
      first.kill('SIGSTOP');
      setTimeout(() => first.kill('SIGKILL'), 200);
    };
    await startRun(client, plan, { taskQueue, searchAttributes: false, batchSize: 100 });
    await expect.poll(() => killed, { timeout: 20_000, interval: 100 }).toBe(true);
    await new Promise((r) => first.once('exit', r));

    const second = await startWorker(env);
    try {
      const h = client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      // The activity's start-to-close timeout (30 s) expires, and the retry runs on the second worker.
      await expect
        .poll(async () => (await h.query(unitStateQuery)).stage, { timeout: 60_000, interval: 100 })
        .toBe('dispatched');
      const copies = smtp.received.filter(
        (m) => m.raw.includes(plan.key) && m.to[0] === 't1@thads.example' && m.kind === 'dispatch',
      );
      expect(copies).toHaveLength(2);
      expect(copies[0]!.messageId).toBe(copies[1]!.messageId);
      // The second send was recorded: any further retry is a no-op.
      const log = join(cfg.CHIDAO_DATA_DIR, 'sent', `${plan.key}.jsonl`);
      expect(existsSync(log) && readFileSync(log, 'utf8')).toContain(copies[0]!.messageId);
      await client.workflow.getHandle(`chidao/${plan.key}`).terminate('test done');
    } finally {
      second.kill('SIGTERM');
    }
  });

  it('two attempts of one send at once (the task handed out again while the first still runs) send it once', async () => {
    const { mailer, deps, req } = sendSetup('twice');
    // SMTP holds the first attempt's DATA until the second attempt has started.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived = false;
    smtp.onData = async (m) => {
      if (!m.raw.includes(req.runKey)) return;
      arrived = true;
      await held;
    };
    try {
      const send = createActivities({ mailer, ...deps }).sendMessage;
      const first = new MockActivityEnvironment().run(send, req);
      await expect.poll(() => arrived, { timeout: 10_000, interval: 20 }).toBe(true);
      const second = new MockActivityEnvironment().run(send, req);
      release();
      const [a, b] = (await Promise.all([first, second])) as [SendResult, SendResult];
      expect(a).toMatchObject({ duplicate: false });
      expect(b).toMatchObject({ duplicate: true, messageId: a.messageId });
      expect(smtp.received.filter((m) => m.raw.includes(req.runKey))).toHaveLength(1);
    } finally {
      smtp.onData = undefined;
      mailer.close();
    }
  });

  it('a retry after the send was recorded does not send again', async () => {
    const { cfg, mailer, deps, req } = sendSetup('retry');
    try {
      const first: SendResult = await new MockActivityEnvironment().run(
        createActivities({ mailer, ...deps }).sendMessage,
        req,
      );
      // A fresh activity instance over the same sent-log: what a restarted worker's retry sees.
      const retry = await new MockActivityEnvironment().run(
        createActivities({ mailer, ...deps, sentLog: new FileSentLog(join(cfg.CHIDAO_DATA_DIR, 'sent')) }).sendMessage,
        req,
      );
      expect(first.duplicate).toBe(false);
      expect(retry).toMatchObject({ duplicate: true, messageId: first.messageId });
      expect(smtp.received.filter((m) => m.raw.includes(req.runKey))).toHaveLength(1);
    } finally {
      mailer.close();
    }
  });
});
