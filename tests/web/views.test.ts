import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DocumentStore } from '../../src/documents/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startRun } from '../../src/client/start-run';
import { FileAuditStore } from '../../src/audit/file-store';
import { LinkSigner, type LinkAction } from '../../src/links/signer';
import { createWebServer } from '../../src/web/server';
import { batchWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { batchRowsQuery } from '../../src/workflows/unit-batch';
import { acknowledgeUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { staffAccount } from '../helpers/accounts';
import { injectLogin } from '../helpers/inject';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';
import { replaysWithCurrentCode } from '../helpers/time-skipping';

/**
 * "Đã xem": the first time a unit opens its page through its link is recorded once (edXML 01 "đã đến"),
 * shown to the Office, and later views add nothing to the unit's history.
 */
const BASE = 'http://chidao.test';
let s: Stack;
let web: FastifyInstance;
let officer: string;

beforeAll(async () => {
  s = await devServerStack({ CHIDAO_PUBLIC_URL: BASE, CHIDAO_SEARCH_ATTRIBUTES: 'false' });
  web = await createWebServer({ client: s.client, config: s.config });
  officer = await injectLogin(
    web,
    await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'xem', name: 'Người Xem', roles: ['chuyen-vien'] }),
  );
});
afterAll(async () => {
  await web?.close();
  await s?.close();
});

const link = (key: string, action: LinkAction, code: string) =>
  new LinkSigner(s.config.CHIDAO_LINK_SECRET, BASE, 90).url(key, code, action, Date.now(), 0).slice(BASE.length);

describe('a unit viewing its page', () => {
  it('is recorded once, at the first view, and shown to the Office; later views add no act to its history', async () => {
    await s.run(async () => {
      const plan = testPlan({
        policy: { acknowledge: { due: '5 ngày làm việc' }, reminders: [], escalation: [] },
        units: 2,
      });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 10 });
      const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
      for (const code of ['T1', 'T2'])
        await waitUntil(
          () => unit(code).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
      expect((await unit('T1').query(unitStateQuery)).viewedAt).toBeUndefined();

      const first = await web.inject({ method: 'GET', url: link(plan.key, 'status', 'T1') });
      expect(first.statusCode).toBe(200);
      const viewed = (await unit('T1').query(unitStateQuery)).viewedAt;
      expect(viewed).toBeGreaterThan(0);
      // Two more views, of the status page and of the acknowledgement page: the same moment, no new event.
      for (const action of ['status', 'acknowledge'] as const)
        expect((await web.inject({ method: 'GET', url: link(plan.key, action, 'T1') })).statusCode).toBe(200);
      expect((await unit('T1').query(unitStateQuery)).viewedAt).toBe(viewed);
      // One markViewed update in the history: the later views were refused before they were written.
      const accepted = (await unit('T1').fetchHistory()).events!.filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'markViewed',
      );
      expect(accepted).toHaveLength(1);
      // T2 never opened anything.
      expect((await unit('T2').query(unitStateQuery)).viewedAt).toBeUndefined();

      const records = await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(plan.key);
      const views = records.filter((r) => r.kind === 'viewed');
      expect(views.map((r) => [r.unit, r.actor?.channel, r.actor?.by])).toEqual([
        ['T1', 'link', 'Cục THADS tỉnh Thử 1'],
      ]);

      // The Office sees it: the run's card and the unit's page.
      await waitUntil(
        () => s.client.workflow.getHandle(batchWorkflowId(plan.key, 0)).query(batchRowsQuery),
        (rows) => rows.some((r) => r.code === 'T1' && r.viewedAt === viewed),
      );
      const run = await web.inject({
        method: 'GET',
        url: `/office/run/${plan.key}`,
        cookies: { chidao_session: officer },
      });
      expect(run.body).toContain('<div class="card"><b>1</b>đã xem</div>');
      const page = await web.inject({
        method: 'GET',
        url: `/office/run/${plan.key}/unit/T1`,
        cookies: { chidao_session: officer },
      });
      expect(page.body).toMatch(/<dt>Đã xem<\/dt>\s*<dd>[^<]*\(lần đầu mở trang hoặc văn bản qua đường dẫn\)/);
      await replaysWithCurrentCode(s.client, plan.key, 4, 'a-unit-viewing-its-page-once');
    });
  });
});

describe('a policy that asks the unit to open the signed document first (requireView)', () => {
  it("refuses the unit's acknowledgement until it has opened the file from its page; the Office's record is not held", async () => {
    await s.run(async () => {
      const plan = testPlan({
        policy: { acknowledge: { due: '5 ngày làm việc' }, reminders: [], escalation: [], requireView: true },
        units: 2,
      });
      const file = Buffer.concat([Buffer.from('%PDF-1.7\n% công văn đã ký số\n'), randomBytes(500)]);
      plan.directive.document = new DocumentStore(s.config.CHIDAO_DATA_DIR).put('cong-van.pdf', file);
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 10 });
      const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
      for (const code of ['T1', 'T2'])
        await waitUntil(
          () => unit(code).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
      // Opening the acknowledgement page is not reading the document.
      const page = await web.inject({ method: 'GET', url: link(plan.key, 'acknowledge', 'T1') });
      expect(page.statusCode).toBe(200);
      expect(page.body).toMatch(
        /yêu cầu đơn vị mở văn bản đã ký số trước khi xác nhận:\s*<a href="\/u\/document\?t=[^"]+">cong-van\.pdf<\/a>/,
      );
      const refused = await web.inject({ method: 'POST', url: link(plan.key, 'acknowledge', 'T1') });
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toContain('yêu cầu mở văn bản đã ký số trên trang của đơn vị trước khi xác nhận');
      expect((await unit('T1').query(unitStateQuery)).acknowledgedAt).toBeUndefined();

      const doc = await web.inject({
        method: 'GET',
        url: link(plan.key, 'status', 'T1').replace('/u/status', '/u/document'),
      });
      expect(doc.statusCode).toBe(200);
      const opened = (await unit('T1').query(unitStateQuery)).documentOpenedAt;
      expect(opened).toBeGreaterThan(0);
      const again = await web.inject({ method: 'GET', url: link(plan.key, 'acknowledge', 'T1') });
      expect(again.body).not.toContain('yêu cầu đơn vị mở văn bản');
      const ack = await web.inject({ method: 'POST', url: link(plan.key, 'acknowledge', 'T1') });
      expect(ack.statusCode, ack.body).toBeLessThan(400);
      expect((await unit('T1').query(unitStateQuery)).acknowledgedAt).toBeGreaterThanOrEqual(opened!);

      // The records desk heard T2 by phone: recorded, though T2 never opened the file.
      const byPhone = await unit('T2').executeUpdate(acknowledgeUpdate, {
        args: [{ channel: 'office', by: 'Văn thư' }],
      });
      expect(byPhone.acknowledgedAt).toBeGreaterThan(0);

      const views = (await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(plan.key)).filter(
        (r) => r.kind === 'viewed',
      );
      expect(views.map((r) => [r.unit, r.data])).toEqual([
        ['T1', { stage: 'dispatched' }],
        ['T1', { stage: 'dispatched', document: true }],
      ]);
      await replaysWithCurrentCode(s.client, plan.key, 3, 'require-view-holds-the-link-acknowledgement');
    });
  });
});
