import { createHash, randomBytes } from 'node:crypto';
import { LinkSigner } from '../../src/links/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startRun } from '../../src/client/start-run';
import { createWebServer } from '../../src/web/server';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { runStatusQuery } from '../../src/workflows/dissemination-run';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { staffAccount } from '../helpers/accounts';
import { injectLogin, multipart } from '../helpers/inject';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { waitUntil } from '../helpers/wait';

/**
 * A clerk issues a correction from the run's page (through `app.inject`, on a real dev server and SMTP
 * server): a refusal comes back beside its field with what was typed and uploaded kept; then the
 * correction goes out with the file, and the run's page lists the version.
 */
const BASE = 'http://chidao.test';
let s: Stack;
let web: FastifyInstance;
let clerk: string;
let officer: string;

beforeAll(async () => {
  s = await devServerStack({ CHIDAO_PUBLIC_URL: BASE, CHIDAO_SEARCH_ATTRIBUTES: 'false' });
  web = await createWebServer({ client: s.client, config: { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue } });
  const dir = s.config.CHIDAO_DATA_DIR;
  clerk = await injectLogin(web, await staffAccount(dir, { login: 'vanthu', name: 'Văn Thư', roles: ['van-thu'] }));
  officer = await injectLogin(
    web,
    await staffAccount(dir, { login: 'chuyenvien', name: 'Chuyên Viên', roles: ['chuyen-vien'] }),
  );
});
afterAll(async () => {
  await web?.close();
  await s?.close();
});

async function started() {
  const plan = testPlan({
    policy: { acknowledge: { due: '5 ngày làm việc' }, reminders: [], escalation: [] },
    units: 2,
  });
  await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 10 });
  for (const code of ['T1', 'T2'])
    await waitUntil(
      () => s.client.workflow.getHandle(unitWorkflowId(plan.key, code)).query(unitStateQuery),
      (x) => x.stage === 'dispatched',
    );
  return plan.key;
}

const textarea = (body: string) => /<textarea[^>]*id="changes"[^>]*>\n?([\s\S]*?)<\/textarea/.exec(body)?.[1];

describe('issuing a correction from the browser', () => {
  it('refuses an empty or too long change beside its field, keeping the text and the upload, then sends the correction with its file', async () => {
    const key = await started();
    const page = await web.inject({ method: 'GET', url: `/office/run/${key}`, cookies: { chidao_session: clerk } });
    expect(page.body).toContain(`href="/office/run/${key}/correct"`);
    const form = await web.inject({
      method: 'GET',
      url: `/office/run/${key}/correct`,
      cookies: { chidao_session: clerk },
    });
    expect(form.statusCode).toBe(200);
    const csrf = decodeURIComponent(/csrf=([^"&]+)/.exec(form.body)![1]!);
    const post = (parts: Parameters<typeof multipart>[0]) =>
      web.inject({
        method: 'POST',
        url: `/office/run/${key}/correct?csrf=${encodeURIComponent(csrf)}`,
        cookies: { chidao_session: clerk },
        ...multipart(parts),
      });
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n% thay thế\n'), randomBytes(500)]);

    const empty = await post([{ name: 'kind', value: 'dinh-chinh' }]);
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toMatch(/id="changes-error">Cần nêu những gì được đính chính hoặc thay thế\./);
    // Too long: refused beside its field, with the text and the upload kept.
    const long = `Thay thế: ${'nội dung dài '.repeat(400)}`.trim();
    const refused = await post([
      { name: 'kind', value: 'thay-the' },
      { name: 'changes', value: long },
      { name: 'document', value: pdf, filename: 'Thay thế 4432.pdf' },
    ]);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toMatch(/id="changes-error">Nội dung thay đổi dài 5\.209 ký tự, vượt giới hạn 4\.000 ký tự\./);
    expect(textarea(refused.body)).toBe(long);
    expect(refused.body).toContain('Đã tải lên: Thay thế 4432.pdf');
    expect(refused.body).toMatch(/<option value="thay-the"\s+selected/);
    expect((await s.client.workflow.getHandle(runWorkflowId(key)).query(runStatusQuery)).corrections).toBeUndefined();

    // Sent again with the kept upload (its hidden fields) and the change written.
    const sha = /name="documentSha" value="([0-9a-f]{64})"/.exec(refused.body)![1]!;
    const changes = 'Thay thế toàn văn: bổ sung nhiệm vụ 3.';
    const sent = await post([
      { name: 'documentSha', value: sha },
      { name: 'documentName', value: 'Thay thế 4432.pdf' },
      { name: 'kind', value: 'thay-the' },
      { name: 'changes', value: changes },
    ]);
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toContain('Thay thế phiên bản 2: 2 đơn vị đang theo dõi đã nhận');
    const mails = await waitForMails(both(ofRun(key), ofKind('correction')), 3);
    expect(mails.map((m) => m.to[0]!.address).sort()).toEqual([
      't1@thads.example',
      't2@thads.example',
      'tct@thads.example',
    ]);
    for (const m of mails) {
      expect(m.text).toContain(changes);
      expect(m.attachments?.map((a) => a.filename)).toEqual(['Thay thế 4432.pdf']);
    }
    const after = await web.inject({ method: 'GET', url: `/office/run/${key}`, cookies: { chidao_session: clerk } });
    expect(after.body).toContain('Phiên bản 2: thay thế ngày');
    expect(after.body).toContain('Văn Thư (vanthu)');
    expect(after.body).toMatch(new RegExp(`SHA-256\\s+${sha.slice(0, 16)}`));
    // The new file, from the run's page and from a unit's status page (the unit was sent it).
    const office = await web.inject({
      method: 'GET',
      url: `/office/run/${key}/document?v=2`,
      cookies: { chidao_session: clerk },
    });
    expect(office.statusCode).toBe(200);
    expect(office.headers['x-content-sha256']).toBe(sha);
    const statusLink = new LinkSigner(s.config.CHIDAO_LINK_SECRET, BASE, 90)
      .url(key, 'T1', 'status', Date.now(), 0)
      .slice(BASE.length);
    const status = await web.inject({ method: 'GET', url: statusLink });
    expect(status.body).toContain(`Thay thế (phiên bản 2, `);
    const href = /href="(\/u\/document\?t=[^"]+&amp;v=2)"/.exec(status.body)![1]!.replace('&amp;', '&');
    const file = await web.inject({ method: 'GET', url: href });
    expect(file.statusCode).toBe(200);
    expect(createHash('sha256').update(file.rawPayload).digest('hex')).toBe(sha);
    // A version the unit was not sent is refused.
    const none = await web.inject({ method: 'GET', url: href.replace('v=2', 'v=3') });
    expect(none.statusCode).toBe(404);
  });

  it('is not offered to, and refused for, an account without runs.start', async () => {
    const key = await started();
    const page = await web.inject({ method: 'GET', url: `/office/run/${key}`, cookies: { chidao_session: officer } });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(`/office/run/${key}/correct`);
    const form = await web.inject({
      method: 'GET',
      url: `/office/run/${key}/correct`,
      cookies: { chidao_session: officer },
    });
    expect(form.statusCode).toBe(403);
  });
});
