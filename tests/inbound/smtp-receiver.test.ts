import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTransport, type Transporter } from 'nodemailer';
import { inboundDeps } from '../../src/inbound/deps';
import { InboundLog } from '../../src/inbound/inbound-log';
import { startSmtpReceiver } from '../../src/inbound/smtp-receiver';
import { unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { dispatchedRun } from '../helpers/inbound-run';
import { compose, sample } from '../helpers/mail-samples';
import { devServerStack, type Stack } from '../helpers/stack';

/**
 * chidao as the mail server of a routed subdomain: bounces and replies sent to it over SMTP (nodemailer,
 * as a sending server would) act before the 250, and a failure answers 451 so the sender keeps the message.
 */
const DOMAIN = 'phanhoi.thads.example';
let s: Stack;
let receiver: Awaited<ReturnType<typeof startSmtpReceiver>>;
let smtp: Transporter;

beforeAll(async () => {
  s = await devServerStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
  const deps = inboundDeps(s.client, { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue });
  receiver = await startSmtpReceiver(deps, { host: '127.0.0.1', port: 0, domain: DOMAIN, maxBytes: 200_000 });
  smtp = createTransport({ host: '127.0.0.1', port: receiver.port, ignoreTLS: true, secure: false });
});
afterAll(async () => {
  smtp?.close();
  await receiver?.close();
  await s?.close();
});

const send = (raw: Buffer | string, to = `vanphong@${DOMAIN}`, transport = smtp) =>
  transport.sendMail({ envelope: { from: '', to: [to] }, raw });
const state = (key: string, code: string) =>
  s.client.workflow.getHandle(unitWorkflowId(key, code)).query(unitStateQuery);

describe('mail received over SMTP', () => {
  it('a Gmail bounce and a reply have acted by the time the server says 250', async () => {
    const run = await dispatchedRun(s, 2);
    const bounce = await send(sample('gmail-dsn', run.id('T1'), 't1@thads.example', run.check('T1')));
    expect(bounce.response).toMatch(/^250/);
    // No wait: the act came before the answer.
    expect((await state(run.key, 'T1')).stage).toBe('undeliverable');
    const reply = await compose({
      from: 't2@thads.example',
      to: `vanphong@${DOMAIN}`,
      subject: 'Re: Công văn',
      messageId: `<smtp-${run.key}@thads.example>`,
      inReplyTo: run.id('T2'),
      text: 'Đã nhận.',
    });
    expect((await send(reply)).response).toMatch(/^250/);
    expect((await state(run.key, 'T2')).stage).toBe('acknowledged');
    // The same reply again (a sender that did not hear our 250): taken, and nothing more happens.
    expect((await send(reply)).response).toMatch(/^250/);
    const log = new InboundLog(s.config.CHIDAO_DATA_DIR);
    expect(log.get(`<smtp-${run.key}@thads.example>`)).toMatchObject({ outcome: 'acknowledged', unit: 'T2' });
    const acks = (await s.client.workflow.getHandle(unitWorkflowId(run.key, 'T2')).fetchHistory()).events!.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'acknowledge',
    );
    expect(acks).toHaveLength(1);
  });

  it('refuses to relay to another domain (550), an eleventh recipient (452) and a message over the size limit (552)', async () => {
    await expect(send('Subject: x\r\n\r\nx', 'ai-do@khac.example')).rejects.toMatchObject({ responseCode: 550 });
    const many = Array.from({ length: 11 }, (_, i) => `hop${i}@${DOMAIN}`);
    const info = await smtp.sendMail({
      envelope: { from: '', to: many },
      raw: `Message-ID: <nhieu-nguoi-nhan-${Date.now()}@khac.example>\r\nSubject: x\r\n\r\nx`,
    });
    expect(info.accepted).toHaveLength(10);
    expect(info.rejected).toEqual([many[10]]);
    expect((info as unknown as { rejectedErrors: { responseCode: number }[] }).rejectedErrors[0]?.responseCode).toBe(
      452,
    );
    await expect(send(`Subject: lon\r\n\r\n${'x'.repeat(300_000)}`)).rejects.toMatchObject({ responseCode: 552 });
  });

  it('answers 451 while it cannot record a message, and takes the same message once it can', async () => {
    const run = await dispatchedRun(s, 1);
    const dataDir = mkdtempSync(join(inject('tmpDir'), 'smtp-in-'));
    // A file where the inbound log's folder goes: a real failure to write, as a full or broken disk gives.
    writeFileSync(join(dataDir, 'inbound'), 'không phải thư mục');
    const deps = inboundDeps(s.client, { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue, CHIDAO_DATA_DIR: dataDir });
    const errors: unknown[] = [];
    const broken = await startSmtpReceiver(deps, { host: '127.0.0.1', port: 0, maxBytes: 200_000 }, (e) =>
      errors.push(e),
    );
    const t = createTransport({ host: '127.0.0.1', port: broken.port, ignoreTLS: true, secure: false });
    try {
      const raw = sample('postfix-dsn', run.id('T1'), 't1@thads.example', run.check('T1'));
      await expect(send(raw, `vanphong@${DOMAIN}`, t)).rejects.toMatchObject({ responseCode: 451 });
      expect(errors).toHaveLength(1);
      expect((await state(run.key, 'T1')).stage).toBe('dispatched');

      rmSync(join(dataDir, 'inbound'));
      expect((await send(raw, `vanphong@${DOMAIN}`, t)).response).toMatch(/^250/);
      expect((await state(run.key, 'T1')).stage).toBe('undeliverable');
    } finally {
      t.close();
      await broken.close();
    }
  });
});
