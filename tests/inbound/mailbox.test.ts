import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startRun } from '../../src/client/start-run';
import { ensureMailboxWatch } from '../../src/client/mailbox-watch';
import { FileAuditStore } from '../../src/audit/file-store';
import { fetchRunHistories, replayHistories, writeHistories } from '../../src/audit/histories';
import { mailboxWatchWorkflowId } from '../../src/workflows/mailbox-watch';
import { verifyBundle } from '../../src/audit/verify';
import { Office } from '../../src/office/office';
import { InboundLog, type InboundRecord } from '../../src/inbound/inbound-log';
import { createWebServer } from '../../src/web/server';
import { unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { staffAccount } from '../helpers/accounts';
import { injectLogin } from '../helpers/inject';
import { startImapServer, type ImapServer } from '../helpers/greenmail';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { compose, sample } from '../helpers/mail-samples';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';
import { dispatchedRun as runOf, toUnit } from '../helpers/inbound-run';
import { replaysWithCurrentCode } from '../helpers/time-skipping';

/**
 * The Office's mailbox, read for real: a GreenMail IMAP server holds the bounces and replies a mail
 * server would deliver; the worker's watch workflow reads them every second, acts through the Office
 * service, and moves each message to the processed folder.
 */
const PROCESSED = 'chidao-da-xu-ly';
let s: Stack;
let imap: ImapServer;
let office: Office;
let log: InboundLog;

beforeAll(async () => {
  imap = await startImapServer();
  s = await devServerStack({
    CHIDAO_IMAP_URL: imap.url,
    CHIDAO_IMAP_POLL_SECONDS: '1',
    CHIDAO_SEARCH_ATTRIBUTES: 'false',
  });
  const config = { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue };
  await ensureMailboxWatch(s.client, config);
  office = Office.fromConfig(s.client, config);
  log = new InboundLog(s.config.CHIDAO_DATA_DIR);
}, 60_000);
afterAll(async () => {
  await s?.close();
  await imap?.stop();
});

const dispatchedRun = (units: number) => runOf(s, units);

const unit = (key: string, code: string) => s.client.workflow.getHandle(unitWorkflowId(key, code));
const state = (key: string, code: string) => unit(key, code).query(unitStateQuery);

/** The log's record of a message, once the reader has handled it and moved it out of the inbox. */
async function handled(messageId: string): Promise<InboundRecord> {
  const r = await waitUntil(
    () => log.get(messageId),
    (x) => x !== undefined,
  );
  await waitUntil(
    () => imap.messageIds(PROCESSED),
    (ids) => ids.includes(messageId),
  );
  // waitUntil returns only a value that passed the check.
  return r!;
}

const updates = async (key: string, code: string, name: string) =>
  (await unit(key, code).fetchHistory()).events!.filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === name,
  ).length;

describe('bounces that come back after the relay took the mail', () => {
  it('a Postfix DSN marks the unit không gửi được, tells the Office, and a corrected address sends again', async () => {
    const run = await dispatchedRun(1);
    await imap.deliver(sample('postfix-dsn', run.id('T1'), 't1@thads.example', run.check('T1')));
    const r = await handled('<20231122021403.4Q8vLk3mZbz1x@mail.thads.example.gov.vn>');
    expect(r).toMatchObject({ kind: 'bounce', outcome: 'bounced', state: 'done', runKey: run.key, unit: 'T1' });

    expect(await state(run.key, 'T1')).toMatchObject({
      stage: 'undeliverable',
      rejectedAddresses: ['t1@thads.example'],
      deliveryError: expect.stringContaining('5.1.1'),
    });
    const notice = await waitForMails(both(ofRun(run.key), ofKind('undeliverable')), 1);
    expect(notice.map((m) => m.to.map((t) => t.address))).toEqual([['vp@thads.example']]);
    expect(notice[0]!.text).toContain('t1@thads.example');
    const audit = (await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(run.key)).filter(
      (a) => a.kind === 'bounced',
    );
    expect(audit.map((a) => [a.unit, a.data.status, a.data.messageId, a.actor?.channel])).toEqual([
      ['T1', '5.1.1', run.id('T1'), 'email'],
    ]);

    await office.correctAddress({ key: run.key, unit: 'T1', by: 'Văn thư', emails: ['moi.t1@thads.example'] });
    const again = await waitForMails(both(ofRun(run.key), ofKind('dispatch'), toUnit), 2);
    expect(again.map((m) => m.to[0]!.address).sort()).toEqual(['moi.t1@thads.example', 't1@thads.example']);
    expect((await state(run.key, 'T1')).stage).toBe('dispatched');
    // The auditor's check: the bounce's record matches the update in the unit's history, field by field.
    const records = await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(run.key);
    const histories = await fetchRunHistories(s.client, run.key);
    expect(verifyBundle({ runKey: run.key, histories, records }).map((f) => [f.level, f.kind])).toEqual([
      ['warning', 'no-digests'],
    ]);
    await replaysWithCurrentCode(s.client, run.key, 3, 'a-unit-whose-mail-bounced-after-the-relay');
  });

  it('a bounce that does not quote the check of our message is not believed: the unit keeps its address', async () => {
    const run = await dispatchedRun(2);
    const forged = sample('qmail-bounce', run.id('T1'), 't1@thads.example', 'khong-dung-ma-kiem-tra');
    const bare = sample('postfix-dsn', run.id('T2'), 't2@thads.example')
      .toString()
      .replace(/^X-Chidao-Check:.*\r\n/m, '');
    await imap.deliver(forged);
    await imap.deliver(bare.replace('4Q8vLk3mZbz1x@', `forged-${run.key}@`));
    const a = await handled(`<20231122023012.31337.qmail@mx.thads.example>`);
    const b = await handled(`<20231122021403.forged-${run.key}@mail.thads.example.gov.vn>`);
    for (const r of [a, b]) expect([r.kind, r.outcome, r.state]).toEqual(['bounce', 'unmatched', 'open']);
    expect(a.detail).toContain('không trích lại mã kiểm tra');
    for (const code of ['T1', 'T2']) {
      expect((await state(run.key, code)).stage).toBe('dispatched');
      expect(await updates(run.key, code, 'bounce')).toBe(0);
    }
  });

  it('Exchange and Gmail reports are read the same way; a delayed report (4.4.1) is shown, not acted on', async () => {
    const run = await dispatchedRun(3);
    await imap.deliver(sample('exchange-ndr', run.id('T1'), 't1@thads.example', run.check('T1')));
    await imap.deliver(sample('gmail-dsn', run.id('T2'), 't2@thads.example', run.check('T2')));
    await imap.deliver(sample('delayed-dsn', run.id('T3'), 't3@thads.example', run.check('T3')));
    const exchange = await handled('<4e6f1b2c-8a9d-4c1e-b7f2-0d3e5a6c7b81@EX01.thads.example.gov.vn>');
    const gmail = await handled('<655d74c6.050a0220.b1f2c.58c7.GMR@mx.google.com>');
    const delayed = await handled('<20231122061403.8Z1qW2e3R4@mail.thads.example.gov.vn>');
    expect([exchange.outcome, gmail.outcome, delayed.outcome]).toEqual(['bounced', 'bounced', 'delayed']);
    expect((await state(run.key, 'T1')).deliveryError).toContain('5.1.10');
    expect((await state(run.key, 'T2')).stage).toBe('undeliverable');
    expect(await state(run.key, 'T3')).toMatchObject({ stage: 'dispatched' });
    expect((await state(run.key, 'T3')).rejectedAddresses).toBeUndefined();
    expect(await updates(run.key, 'T3', 'bounce')).toBe(0);
  });
});

describe('replies from units', () => {
  it('a reply from the unit acknowledges by email; its attachment becomes the report once an officer confirms it', async () => {
    const run = await dispatchedRun(1);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    await imap.deliver(
      await compose({
        from: '"Văn thư Cục 1" <t1@thads.example>',
        to: 'chidao@thads.example.gov.vn',
        subject: 'Re: Công văn',
        messageId: `<reply-${run.key}@thads.example>`,
        inReplyTo: run.id('T1'),
        references: [run.id('T1')],
        text: 'Đơn vị đã nhận và gửi kèm báo cáo.\n\n> Kính gửi',
        attachments: [{ filename: 'bao-cao-T1.pdf', content: pdf }],
      }),
    );
    const r = await handled(`<reply-${run.key}@thads.example>`);
    expect(r).toMatchObject({ outcome: 'report-pending', state: 'open', text: 'Đơn vị đã nhận và gửi kèm báo cáo.' });
    const acked = await state(run.key, 'T1');
    expect(acked.stage).toBe('acknowledged');
    // The audit record names the channel and keeps the mail's DKIM/SPF verdict (mailauth; no DNS here).
    const audit = new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit'));
    const ack = (await audit.list(run.key)).find((a) => a.kind === 'acknowledged');
    expect(ack?.actor).toEqual({
      channel: 'email',
      by: 't1@thads.example',
      via: 'email',
      auth: expect.stringMatching(/^dkim=none; spf=\w+$/),
    });
    expect(acked.reports).toHaveLength(0);

    await office.confirmInbound(r.messageId, 'Chuyên viên A (cva)');
    const reported = await state(run.key, 'T1');
    expect(reported.stage).toBe('reported');
    expect(reported.reports[0]).toMatchObject({
      fileName: 'bao-cao-T1.pdf',
      text: 'Đơn vị đã nhận và gửi kèm báo cáo.',
      by: { channel: 'email', by: 't1@thads.example, xác nhận bởi Chuyên viên A (cva)', via: 'email' },
    });
    const sha = reported.reports[0]!.sha256!;
    expect(
      existsSync(join(s.config.CHIDAO_DATA_DIR, 'uploads', run.key, 'T1', `${sha.slice(0, 16)}-bao-cao-T1.pdf`)),
    ).toBe(true);
    expect(log.get(r.messageId)).toMatchObject({ state: 'confirmed', decidedBy: 'Chuyên viên A (cva)' });
    await expect(office.confirmInbound(r.messageId, 'Chuyên viên A (cva)')).rejects.toMatchObject({
      type: 'AlreadyDecided',
    });
    const histories = await fetchRunHistories(s.client, run.key);
    const records = await audit.list(run.key);
    expect(records.find((a) => a.kind === 'report-submitted')?.actor?.auth).toBe(ack?.actor?.auth);
    expect(verifyBundle({ runKey: run.key, histories, records }).map((f) => [f.level, f.kind])).toEqual([
      ['warning', 'no-digests'],
    ]);
    await replaysWithCurrentCode(s.client, run.key, 3, 'a-unit-acknowledging-and-reporting-by-email');
  });

  it('a reply from an address the unit does not hold, or one that failed DKIM, waits for the Office', async () => {
    const run = await dispatchedRun(2);
    const reply = (from: string, id: string, to: string, headers: Record<string, string> = {}) =>
      compose({
        from,
        to: 'chidao@thads.example.gov.vn',
        subject: 'Re: Công văn',
        messageId: id,
        inReplyTo: to,
        text: 'Đã nhận.',
        headers,
      });
    await imap.deliver(await reply('la@khac.example', `<la-${run.key}@khac.example>`, run.id('T1')));
    await imap.deliver(
      await reply('t2@thads.example', `<gia-${run.key}@thads.example>`, run.id('T2'), {
        'Authentication-Results': 'mail.thads.example.gov.vn; dkim=fail header.d=thads.example; spf=pass',
      }),
    );
    const foreign = await handled(`<la-${run.key}@khac.example>`);
    const forged = await handled(`<gia-${run.key}@thads.example>`);
    expect([foreign.outcome, foreign.state]).toEqual(['foreign-sender', 'open']);
    expect([forged.outcome, forged.state]).toEqual(['auth-failed', 'open']);
    expect(forged.detail).toContain('DKIM');
    expect((await state(run.key, 'T1')).stage).toBe('dispatched');
    expect((await state(run.key, 'T2')).stage).toBe('dispatched');

    office.dismissInbound(foreign.messageId, 'Văn thư B (vtb)');
    await office.confirmInbound(forged.messageId, 'Văn thư B (vtb)');
    expect((await state(run.key, 'T1')).stage).toBe('dispatched');
    expect((await state(run.key, 'T2')).stage).toBe('acknowledged');
  });

  it('an out-of-office answer is only noted; the same reply delivered twice acknowledges once', async () => {
    const run = await dispatchedRun(1);
    await imap.deliver(sample('out-of-office', run.id('T1'), 't1@thads.example'));
    const ooo = await handled('<ooo-20231122-0915@thads.example>');
    expect([ooo.kind, ooo.outcome]).toEqual(['auto-reply', 'noted']);
    expect((await state(run.key, 'T1')).stage).toBe('dispatched');

    const twice = await compose({
      from: 't1@thads.example',
      to: 'chidao@thads.example.gov.vn',
      subject: 'Re: Công văn',
      messageId: `<twice-${run.key}@thads.example>`,
      inReplyTo: run.id('T1'),
      text: 'Đã nhận.',
    });
    await imap.deliver(twice);
    await imap.deliver(twice);
    await waitUntil(
      () => imap.messageIds(PROCESSED),
      (ids) => ids.filter((i) => i === `<twice-${run.key}@thads.example>`).length === 2,
    );
    expect((await state(run.key, 'T1')).acknowledgedAt).toBeGreaterThan(0);
    expect(await updates(run.key, 'T1', 'acknowledge')).toBe(1);
    expect((await state(run.key, 'T1')).stage).toBe('acknowledged');
  });
});

describe('the Office\'s "Thư đến" page', () => {
  let web: FastifyInstance;
  let clerk: string;
  let officer: string;
  beforeAll(async () => {
    web = await createWebServer({ client: s.client, config: { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue } });
    const dir = s.config.CHIDAO_DATA_DIR;
    clerk = await injectLogin(web, await staffAccount(dir, { login: 'vt', name: 'Văn Thư', roles: ['van-thu'] }));
    officer = await injectLogin(
      web,
      await staffAccount(dir, { login: 'cv', name: 'Chuyên Viên', roles: ['chuyen-vien'] }),
    );
  });
  afterAll(async () => {
    await web?.close();
  });

  const page = (cookie: string) =>
    web.inject({ method: 'GET', url: '/office/inbound', cookies: { chidao_session: cookie } });
  const post = async (cookie: string, action: 'confirm' | 'dismiss', id: string) => {
    const csrf = /name="csrf" value="([^"]+)"/.exec((await page(cookie)).body)![1]!;
    return web.inject({
      method: 'POST',
      url: `/office/inbound/${action}`,
      cookies: { chidao_session: cookie },
      payload: { csrf, id },
    });
  };

  it('lists what waits on the Office; a report by email is confirmed by a follow-up officer, not by the records desk', async () => {
    const run = await dispatchedRun(1);
    const id = `<page-${run.key}@thads.example>`;
    await imap.deliver(
      await compose({
        from: 't1@thads.example',
        to: 'chidao@thads.example.gov.vn',
        subject: 'Báo cáo kết quả',
        messageId: id,
        inReplyTo: run.id('T1'),
        text: 'Gửi kèm báo cáo.',
        attachments: [{ filename: 'kq.pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') }],
      }),
    );
    await handled(id);

    const listed = await page(clerk);
    expect(listed.statusCode).toBe(200);
    const row = new RegExp(
      `<tr data-outcome="report-pending" data-state="open">[\\s\\S]*?${run.key}[\\s\\S]*?</tr>`,
    ).exec(listed.body)?.[0];
    expect(row).toContain('Báo cáo qua thư: chờ xác nhận');
    expect(row).toContain('kq.pdf');
    // The records desk sees it but has no button for it, and a forged POST is refused.
    expect(row).not.toContain('/office/inbound/confirm');
    const refused = await post(clerk, 'confirm', id);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('duyệt báo cáo');
    expect(log.get(id)?.state).toBe('open');

    // The officer's "Việc cần làm" points at the mail waiting for a decision.
    const work = await web.inject({ method: 'GET', url: '/office/work', cookies: { chidao_session: officer } });
    expect(work.body).toMatch(/<a href="\/office\/inbound">[1-9]\d* thư đến đang chờ Văn phòng xử lý<\/a>/);
    const ok = await post(officer, 'confirm', id);
    expect([ok.statusCode, ok.headers.location]).toEqual([303, '/office/inbound?done=confirmed']);
    expect((await state(run.key, 'T1')).stage).toBe('reported');
    expect(log.get(id)).toMatchObject({ state: 'confirmed', decidedBy: 'Chuyên Viên (cv)' });
    const twice = await post(officer, 'confirm', id);
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('Thư này đã được xử lý.');
    expect((await state(run.key, 'T1')).reports).toHaveLength(1);
  });
});

describe('a worker that stops', () => {
  it('leaves the message in the inbox; the next worker on the queue acts on it', async () => {
    const own = await startImapServer();
    const first = await devServerStack({
      CHIDAO_IMAP_URL: own.url,
      CHIDAO_IMAP_POLL_SECONDS: '1',
      CHIDAO_SEARCH_ATTRIBUTES: 'false',
    });
    const config = { ...first.config, CHIDAO_TASK_QUEUE: first.taskQueue };
    try {
      await ensureMailboxWatch(first.client, config);
      const plan = testPlan({
        policy: { acknowledge: { due: '5 ngày làm việc' }, reminders: [], escalation: [] },
        units: 1,
      });
      await startRun(first.client, plan, { taskQueue: first.taskQueue, searchAttributes: false, batchSize: 10 });
      const [dispatch] = await waitForMails(both(ofRun(plan.key), ofKind('dispatch'), toUnit), 1);
      await first.close();

      const id = `<while-down-${plan.key}@thads.example>`;
      await own.deliver(
        await compose({
          from: 't1@thads.example',
          to: 'x@y',
          subject: 'Re',
          messageId: id,
          inReplyTo: dispatch!.headers['message-id'],
          text: 'Đã nhận.',
        }),
      );
      // Nobody read it: no worker runs.
      expect(await own.messageIds('INBOX')).toEqual([id]);

      const second = await devServerStack({
        CHIDAO_IMAP_URL: own.url,
        CHIDAO_IMAP_POLL_SECONDS: '1',
        CHIDAO_SEARCH_ATTRIBUTES: 'false',
        CHIDAO_TASK_QUEUE: first.taskQueue,
        CHIDAO_DATA_DIR: first.config.CHIDAO_DATA_DIR,
        CHIDAO_LINK_SECRET: first.config.CHIDAO_LINK_SECRET!,
      });
      try {
        await waitUntil(
          () => own.messageIds(PROCESSED),
          (ids) => ids.includes(id),
        );
        const h = second.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
        expect((await h.query(unitStateQuery)).acknowledgedAt).toBeGreaterThan(0);
        // The watch's history, read by two workers, replays with the current code.
        const workflowId = mailboxWatchWorkflowId(first.taskQueue);
        const watch = [{ workflowId, history: await second.client.workflow.getHandle(workflowId).fetchHistory() }];
        const tag = process.env.CHIDAO_RECORD_FIXTURES;
        if (tag) writeHistories(`tests/fixtures/histories/${tag}-the-mailbox-read-by-two-workers`, watch);
        const replayed = await replayHistories(watch, { workflowBundle: { codePath: inject('bundlePath') } });
        expect(replayed.map((r) => [r.workflowId, r.ok])).toEqual([[workflowId, true]]);
      } finally {
        await second.close();
      }
    } finally {
      await own.stop();
    }
  });
});
