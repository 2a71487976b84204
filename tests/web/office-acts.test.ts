import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startRun } from '../../src/client/start-run';
import { LinkSigner, type LinkAction } from '../../src/links/signer';
import { createWebServer } from '../../src/web/server';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { runStatusQuery } from '../../src/workflows/dissemination-run';
import {
  acknowledgeUpdate,
  raiseDifficultyUpdate,
  requestExtensionUpdate,
  submitReportUpdate,
  unitStateQuery,
} from '../../src/workflows/unit-lifecycle';
import { staffAccount } from '../helpers/accounts';
import { FileAuditStore } from '../../src/audit/file-store';
import { join } from 'node:path';
import { Accounts } from '../../src/accounts/accounts';
import { FileAccountStore } from '../../src/accounts/store';
import { cookieOf, injectLogin } from '../helpers/inject';
import { localDateOf } from '../../src/domain/calendar';
import { vnDateTime } from '../../src/domain/vn-format';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { collectRun, verifyBundle } from '../../src/audit/commands';

/**
 * The Office's acts from the dashboard (accept, return, recall, close) and the edges of its login and of
 * the units' links, through `app.inject` on a real dev server. Each test starts its own run.
 */
const BASE = 'http://chidao.test';
let s: Stack;
let web: FastifyInstance;
let staff: { login: string; password: string };
beforeAll(async () => {
  s = await devServerStack({ CHIDAO_PUBLIC_URL: BASE });
  web = await createWebServer({ client: s.client, config: s.config });
  staff = await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'hanhdong', name: 'Nguyễn Văn Hành Động' });
});
afterAll(async () => {
  await web?.close();
  await s?.close();
});

const POLICY = {
  acknowledge: { due: 'PT1H' },
  reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: 'PT2H' }],
  reminders: [],
  escalation: [],
};
const office = { channel: 'office' as const, by: 'VP' };

async function started(units = 1) {
  const plan = testPlan({ policy: POLICY, units });
  await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
  const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
  for (let i = 1; i <= units; i++)
    await waitUntil(
      () => unit(`T${i}`).query(unitStateQuery),
      (x) => x.stage === 'dispatched',
    );
  return { key: plan.key, unit, run: s.client.workflow.getHandle(runWorkflowId(plan.key)) };
}

/** The login form's nonce cookie and field. */
async function loginForm(next?: string, app = web) {
  const form = await app.inject({
    method: 'GET',
    url: `/office/login${next ? `?next=${encodeURIComponent(next)}` : ''}`,
  });
  return { form, nonce: /name="nonce" value="([^"]+)"/.exec(form.body)![1]!, cookie: cookieOf(form, 'chidao_login')! };
}

async function login(next = '/office', app = web): Promise<{ session: string; location: string }> {
  const { nonce, cookie } = await loginForm(undefined, app);
  const r = await app.inject({
    method: 'POST',
    url: '/office/login',
    cookies: { chidao_login: cookie },
    payload: { nonce, next, login: staff.login, password: staff.password },
  });
  expect(r.statusCode).toBe(303);
  return { session: cookieOf(r, 'chidao_session')!, location: String(r.headers.location) };
}

/** A session and the CSRF token its forms carry. */
async function officeSession() {
  const { session } = await login();
  const page = await web.inject({ method: 'GET', url: '/office', cookies: { chidao_session: session } });
  expect(page.statusCode).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  return { session, csrf: csrf! };
}

/** A POST of the dashboard's forms, as the browser sends it. */
async function post(
  session: { session: string; csrf: string },
  url: string,
  fields: Record<string, string>,
  app = web,
) {
  return app.inject({
    method: 'POST',
    url,
    cookies: { chidao_session: session.session },
    payload: { csrf: session.csrf, until: '', due: '', reason: '', text: '', id: '', note: '', ...fields },
  });
}

describe("the Office's acts from the dashboard", () => {
  it('accept POST: the report is accepted, the unit done, and the page says so', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const sess = await officeSession();
      expect(sess.csrf).toBeTruthy();
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await unit('T1').executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Xong.' }] });
      const r = await post(sess, `/office/run/${key}/unit/T1/accept`, {});
      expect(r.statusCode).toBe(303);
      expect(r.headers.location).toBe(`/office/run/${key}/unit/T1?done=accept`);
      const page = await web.inject({
        method: 'GET',
        url: r.headers.location,
        cookies: { chidao_session: sess.session },
      });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Đã chấp nhận báo cáo.');
      const st = await unit('T1').query(unitStateQuery);
      expect(st.stage).toBe('done');
      expect(st.reports[0]!.verdict).toBe('accepted');
      const again = await post(sess, `/office/run/${key}/unit/T1/accept`, {});
      expect(again.statusCode).toBe(409);
      // The unit is done and its lifecycle over: a second accept is refused with a page, and nothing changes.
      expect(again.statusCode).toBe(409);
      expect(again.body).toContain('đã hoàn thành; không thể thực hiện thao tác này.');
    });
  });

  it('return POST: the report goes back with the reason and the new deadline', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const sess = await officeSession();
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await unit('T1').executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Sơ sài.' }] });
      const r = await post(sess, `/office/run/${key}/unit/T1/return`, { reason: 'Thiếu số liệu', due: '2099-06-30' });
      expect(r.statusCode).toBe(303);
      expect(r.headers.location).toBe(`/office/run/${key}/unit/T1?done=return`);
      const st = await unit('T1').query(unitStateQuery);
      expect(st.stage).toBe('returned');
      expect(st.reports[0]).toMatchObject({ verdict: 'returned', verdictReason: 'Thiếu số liệu' });
      expect(st.reportDeadline).toBe(Date.parse('2099-07-01T00:00:00+07:00'));
    });
  });

  it("the unit's page says why each deadline falls when it does: the rule, an extension, a returned report", async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const sess = await officeSession();
      const page = async () =>
        (
          await web.inject({
            method: 'GET',
            url: `/office/run/${key}/unit/T1`,
            cookies: { chidao_session: sess.session },
          })
        ).body;
      const fresh = await unit('T1').query(unitStateQuery);
      // An exact period (PT1H) runs from the moment the lifecycle set it.
      expect(await page()).toContain(`Vì sao: 1 giờ kể từ lúc bắt đầu gửi → ${vnDateTime(fresh.ackDeadline!)}`);

      const ext = await post(sess, `/office/run/${key}/unit/T1/extend`, {
        until: '2099-12-15',
        reason: 'Đang sáp nhập',
      });
      expect(ext.statusCode).toBe(303);
      const extended = await unit('T1').query(unitStateQuery);
      const on = (t: number) => localDateOf(t).split('-').reverse().join('/');
      expect(await page()).toContain(
        `Vì sao: Nguyễn Văn Hành Động (hanhdong) gia hạn ngày ${on(extended.extensions[0]!.at)} (lý do: Đang sáp nhập), ` +
          `từ ${vnDateTime(fresh.ackDeadline!)} → hết Thứ Ba, 15/12/2099`,
      );

      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await unit('T1').executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Sơ sài.' }] });
      await post(sess, `/office/run/${key}/unit/T1/return`, { reason: 'Thiếu số liệu', due: '2099-06-30' });
      const returned = await unit('T1').query(unitStateQuery);
      expect(await page()).toContain(
        `Vì sao: báo cáo bị trả lại ngày ${on(returned.deadlineSetAt!)} (lý do: Thiếu số liệu); hạn nộp lại → hết Thứ Ba, 30/06/2099`,
      );
    });
  });

  it('recall POST: the run is recalled by the signed-in name, and every unit stops', async () => {
    await s.run(async () => {
      const { key, unit, run } = await started(2);
      const sess = await officeSession();
      const r = await post(sess, `/office/run/${key}/recall`, { reason: 'Ban hành nhầm' });
      expect(r.statusCode).toBe(303);
      expect(r.headers.location).toBe(`/office/run/${key}?done=recall`);
      await run.result();
      for (const code of ['T1', 'T2']) expect((await unit(code).query(unitStateQuery)).stage).toBe('recalled');
      expect((await run.query(runStatusQuery)).stop).toMatchObject({
        stage: 'recalled',
        by: 'Nguyễn Văn Hành Động (hanhdong)',
        reason: 'Ban hành nhầm',
      });
    });
  });

  it('each role sees the forms it may use; a POST beyond the role is 403 and changes nothing', async () => {
    // A server of its own: three more logins would pass the shared server's limit of ten an address.
    const app = await createWebServer({ client: s.client, config: s.config });
    await s
      .run(async () => {
        const { key, unit, run } = await started(1);
        const dir = s.config.CHIDAO_DATA_DIR;
        const clerk = await injectLogin(app, await staffAccount(dir, { login: 'vt2', roles: ['van-thu'] }));
        const officer = await injectLogin(app, await staffAccount(dir, { login: 'cv2', roles: ['chuyen-vien'] }));
        const leader = await injectLogin(app, await staffAccount(dir, { login: 'ld2', roles: ['lanh-dao'] }));
        const page = async (url: string, cookie: string) =>
          (await app.inject({ method: 'GET', url, cookies: { chidao_session: cookie } })).body;
        const runUrl = `/office/run/${key}`;
        const unitUrl = `${runUrl}/unit/T1`;
        expect(await page(runUrl, leader)).toContain(`action="${runUrl}/recall"`);
        for (const c of [clerk, officer]) expect(await page(runUrl, c)).not.toContain(`action="${runUrl}/recall"`);
        expect(await page(unitUrl, officer)).toContain(`action="${unitUrl}/extend"`);
        for (const c of [clerk, leader]) expect(await page(unitUrl, c)).not.toContain(`action="${unitUrl}/extend"`);

        // The clerk's own session token, on a form it was never shown.
        const csrf = /name="csrf" value="([^"]+)"/.exec(await page('/office', clerk))![1]!;
        const before = (await unit('T1').query(unitStateQuery)).ackDeadline;
        const r = await post(
          { session: clerk, csrf },
          `${unitUrl}/extend`,
          { until: '2099-12-15', reason: 'Thử' },
          app,
        );
        expect(r.statusCode).toBe(403);
        expect(r.body).toContain('việc này cần vai trò Chuyên viên theo dõi');
        expect((await unit('T1').query(unitStateQuery)).ackDeadline).toBe(before);
        expect((await post({ session: clerk, csrf }, `${runUrl}/recall`, { reason: 'Thử' }, app)).statusCode).toBe(403);
        expect((await run.query(runStatusQuery)).stop).toBeUndefined();
      })
      .finally(() => app.close());
  });

  it('the records desk records an acknowledgement by phone and a report on paper, and corrects an address', async () => {
    const app = await createWebServer({ client: s.client, config: s.config });
    await s
      .run(async () => {
        const { key, unit } = await started(1);
        const dir = s.config.CHIDAO_DATA_DIR;
        const clerk = await injectLogin(
          app,
          await staffAccount(dir, { login: 'vt3', name: 'Lê Văn Thư Ba', roles: ['van-thu'] }),
        );
        const officer = await injectLogin(app, await staffAccount(dir, { login: 'cv3', roles: ['chuyen-vien'] }));
        const unitUrl = `/office/run/${key}/unit/T1`;
        const page = await app.inject({ method: 'GET', url: unitUrl, cookies: { chidao_session: clerk } });
        expect(page.body).toContain(`action="${unitUrl}/record-ack"`);
        const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;

        // Another role may not record, even with a valid token of its own.
        const officerPage = await app.inject({ method: 'GET', url: unitUrl, cookies: { chidao_session: officer } });
        expect(officerPage.body).not.toContain(`${unitUrl}/record-ack`);
        const officerCsrf = /name="csrf" value="([^"]+)"/.exec(officerPage.body)![1]!;
        const refused = await post(
          { session: officer, csrf: officerCsrf },
          `${unitUrl}/record-ack`,
          { via: 'phone' },
          app,
        );
        expect(refused.statusCode).toBe(403);
        expect((await unit('T1').query(unitStateQuery)).acknowledgedAt).toBeUndefined();

        const ack = await post({ session: clerk, csrf }, `${unitUrl}/record-ack`, { via: 'phone' }, app);
        expect(ack.headers.location).toBe(`${unitUrl}?done=record-ack`);
        expect((await unit('T1').query(unitStateQuery)).stage).toBe('acknowledged');
        const rep = await post(
          { session: clerk, csrf },
          `${unitUrl}/record-report`,
          { via: 'paper', text: 'Báo cáo số 12/BC gửi bằng đường bưu điện.' },
          app,
        );
        expect(rep.headers.location).toBe(`${unitUrl}?done=record-report`);
        expect((await unit('T1').query(unitStateQuery)).reports.at(-1)?.text).toBe(
          'Báo cáo số 12/BC gửi bằng đường bưu điện.',
        );
        const addr = await post(
          { session: clerk, csrf },
          `${unitUrl}/address`,
          { emails: 't1.moi@thads.example\n' },
          app,
        );
        expect(addr.headers.location).toBe(`${unitUrl}?done=address`);
        expect((await unit('T1').query(unitStateQuery)).unit.emails).toEqual(['t1.moi@thads.example']);

        // The timeline and the audit trail say who recorded it and how the unit told the Office.
        const after = await app.inject({ method: 'GET', url: unitUrl, cookies: { chidao_session: clerk } });
        expect(after.body).toMatch(/Lê Văn Thư Ba \(vt3\) \[office\] qua điện thoại/);
        expect(after.body).toMatch(/Lê Văn Thư Ba \(vt3\) \[office\] bằng văn bản giấy/);
        const acked = await waitUntil(
          async () => (await new FileAuditStore(join(dir, 'audit')).list(key)).find((r) => r.kind === 'acknowledged'),
          (r) => r !== undefined,
        );
        expect(acked!.actor).toEqual({ channel: 'office', by: 'Lê Văn Thư Ba (vt3)', via: 'phone' });
      })
      .finally(() => app.close());
  });

  it('the records desk sends the dispatch again to a unit that never got it; after its acknowledgement, no more', async () => {
    const app = await createWebServer({ client: s.client, config: s.config });
    await s
      .run(async () => {
        const { key, unit } = await started(1);
        const dir = s.config.CHIDAO_DATA_DIR;
        const clerk = await injectLogin(
          app,
          await staffAccount(dir, { login: 'vt5', name: 'Võ Văn Thư', roles: ['van-thu'] }),
        );
        const unitUrl = `/office/run/${key}/unit/T1`;
        const page = await app.inject({ method: 'GET', url: unitUrl, cookies: { chidao_session: clerk } });
        expect(page.body).toContain(`action="${unitUrl}/resend"`);
        const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
        const before = await unit('T1').query(unitStateQuery);

        const resent = await post({ session: clerk, csrf }, `${unitUrl}/resend`, {}, app);
        expect(resent.headers.location).toBe(`${unitUrl}?done=resend`);
        const mails = await waitForMails(
          both(ofRun(key), ofKind('dispatch'), (m) => m.to[0]?.address === 't1@thads.example'),
          2,
        );
        expect(mails).toHaveLength(2);
        // The same deadlines as the first dispatch: a resend moves nothing.
        const after = await unit('T1').query(unitStateQuery);
        expect(after).toMatchObject({ ackDeadline: before.ackDeadline, dispatchedAt: before.dispatchedAt, resends: 1 });
        const records = await waitUntil(
          async () =>
            (await new FileAuditStore(join(dir, 'audit')).list(key)).filter((r) => r.kind === 'dispatch-resent'),
          (r) => r.length === 1,
        );
        expect(records[0]!.actor).toEqual({ channel: 'office', by: 'Võ Văn Thư (vt5)' });
        expect(records[0]!.data).toEqual({ to: ['t1@thads.example'], count: 1 });

        await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
        const refused = await post({ session: clerk, csrf }, `${unitUrl}/resend`, {}, app);
        expect(refused.statusCode).toBe(409);
        expect(refused.body).toContain('Đơn vị đã xác nhận nhận văn bản; không cần gửi lại.');
        const bundle = await collectRun(s.client, new FileAuditStore(join(dir, 'audit')), key);
        expect(verifyBundle(bundle).filter((f) => f.level === 'error')).toEqual([]);
      })
      .finally(() => app.close());
  });

  it("'Việc cần làm' lists a report to review, an extension request and a difficulty to answer across runs, oldest first; a clerk cannot open it", async () => {
    const app = await createWebServer({ client: s.client, config: s.config });
    await s
      .run(async () => {
        const a = await started(1);
        const b = await started(1);
        await a.unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
        await a.unit('T1').executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Đã triển khai.' }] });
        await b.unit('T1').executeUpdate(raiseDifficultyUpdate, { args: [{ by: office, text: 'Chưa có mẫu.' }] });
        const until = { instant: Date.now() + 3 * 3_600_000 };
        await b.unit('T1').executeUpdate(requestExtensionUpdate, { args: [{ by: office, until, reason: 'Chờ mẫu.' }] });
        const dir = s.config.CHIDAO_DATA_DIR;
        const officer = await injectLogin(app, await staffAccount(dir, { login: 'cv4', roles: ['chuyen-vien'] }));
        const clerk = await injectLogin(app, await staffAccount(dir, { login: 'vt4', roles: ['van-thu'] }));
        const page = await app.inject({ method: 'GET', url: '/office/work', cookies: { chidao_session: officer } });
        expect(page.statusCode).toBe(200);
        // Only this test's two runs: the dev server is shared with other files' runs.
        const rows = [
          ...page.body.matchAll(/<tr data-kind="(\w+)" data-unit="T1">[\s\S]*?href="\/office\/run\/([^"/]+)"/g),
        ]
          .map((m) => [m[1], m[2]])
          .filter(([, key]) => key === a.key || key === b.key);
        // The report and the request have the time they arrived, oldest first; the difficulty's wait has no date here.
        expect(rows).toEqual([
          ['report', a.key],
          ['extension', b.key],
          ['difficulty', b.key],
        ]);
        expect(page.body).toContain('Đề nghị gia hạn chờ quyết định');
        expect(page.body).toContain('Báo cáo chờ duyệt');
        expect(page.body).toContain('Vướng mắc chờ trả lời');
        const refused = await app.inject({ method: 'GET', url: '/office/work', cookies: { chidao_session: clerk } });
        expect(refused.statusCode).toBe(403);
      })
      .finally(() => app.close());
  });

  it('close POST: the run closes with its note, and every unit is closed', async () => {
    await s.run(async () => {
      const { key, unit, run } = await started(2);
      const sess = await officeSession();
      const r = await post(sess, `/office/run/${key}/close`, { note: 'Đủ báo cáo' });
      expect(r.statusCode).toBe(303);
      expect(r.headers.location).toBe(`/office/run/${key}?done=close`);
      expect(await run.result()).toMatchObject({ outcome: 'closed', total: 2 });
      for (const code of ['T1', 'T2']) expect((await unit(code).query(unitStateQuery)).stage).toBe('closed');
    });
  });
});

describe('the login', () => {
  it('a login whose nonce does not match its cookie is refused (403) and starts no session', async () => {
    const { nonce, cookie } = await loginForm();
    for (const [sent, jar] of [
      ['another-nonce', cookie],
      [nonce, undefined],
    ] as const) {
      const r = await web.inject({
        method: 'POST',
        url: '/office/login',
        ...(jar ? { cookies: { chidao_login: jar } } : {}),
        payload: { nonce: sent, next: '/office', login: staff.login, password: staff.password },
      });
      expect(r.statusCode).toBe(403);
      expect(r.body).toContain('Phiên đăng nhập đã cũ; hãy nhập lại.');
      expect(cookieOf(r, 'chidao_session')).toBeUndefined();
    }
  });

  it('a temporary password leads to its change before anything else; a weak new one is refused; the old one then fails', async () => {
    const app = await createWebServer({ client: s.client, config: s.config });
    const accounts = new Accounts(new FileAccountStore(s.config.CHIDAO_DATA_DIR));
    try {
      const { password: temporary } = await accounts.add({ login: 'moi', name: 'Người Mới', roles: ['chuyen-vien'] });
      const { nonce, cookie } = await loginForm(undefined, app);
      const first = await app.inject({
        method: 'POST',
        url: '/office/login',
        cookies: { chidao_login: cookie },
        payload: { nonce, next: '/office/run/2023-1-X', login: 'moi', password: temporary },
      });
      expect(first.statusCode).toBe(303);
      expect(first.headers.location).toBe('/office/password');
      const session = cookieOf(first, 'chidao_session')!;
      const get = (url: string, c = session) => app.inject({ method: 'GET', url, cookies: { chidao_session: c } });
      // Every other page leads back to the change while the password is temporary.
      expect((await get('/office')).headers.location).toBe('/office/password');
      const form = await get('/office/password');
      expect(form.body).toContain('Đây là mật khẩu tạm');
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1]!;
      const change = (payload: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/office/password',
          cookies: { chidao_session: session },
          payload: { csrf, current: temporary, ...payload },
        });
      const weak = await change({ next: 'qwerty123456', repeat: 'qwerty123456' });
      expect(weak.statusCode).toBe(422);
      expect(weak.body).toContain('Mật khẩu này quá phổ biến hoặc dễ đoán');
      const mismatch = await change({ next: 'Một cụm từ dài và riêng', repeat: 'Một cụm từ khác hẳn' });
      expect(mismatch.body).toContain('Hai lần nhập mật khẩu mới không khớp.');
      const done = await change({ next: 'Một cụm từ dài và riêng', repeat: 'Một cụm từ dài và riêng' });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/office');
      // The change ended the old session and started a new one, which now reaches the pages.
      expect((await get('/office')).statusCode).toBe(303);
      expect((await get('/office', cookieOf(done, 'chidao_session')!)).statusCode).toBe(200);
      expect(await accounts.login('moi', temporary)).toMatchObject({ ok: false });
      expect(await accounts.login('moi', 'Một cụm từ dài và riêng')).toMatchObject({
        ok: true,
        account: { mustChangePassword: false },
      });
    } finally {
      await app.close();
    }
  });

  it('next leads back into the dashboard only: an outside or odd address goes to /office', async () => {
    // A server of its own: its logins do not count against the shared server's limit of ten.
    const app = await createWebServer({ client: s.client, config: s.config });
    try {
      expect((await login('/office/run/2023-1-X?overdue=1', app)).location).toBe('/office/run/2023-1-X?overdue=1');
      for (const next of ['https://evil.example/office', '//evil.example/office', '/officer', '/u/status', 'office'])
        expect((await login(next, app)).location, next).toBe('/office');
      // The form carries the guarded value too.
      const { form } = await loginForm('https://evil.example/', app);
      expect(form.body).toContain('name="next" value="/office"');
    } finally {
      await app.close();
    }
  });
});

describe('the dashboard without a session secret', () => {
  it('every Office URL answers 503 with what the administrator must set, and no login form', async () => {
    const cfg = { ...s.config, CHIDAO_SESSION_SECRET: undefined };
    const off = await createWebServer({ client: s.client, config: cfg });
    try {
      for (const [method, url] of [
        ['GET', '/office'],
        ['GET', '/office/login'],
        ['POST', '/office/login'],
        ['GET', '/office/run/2023-1-X'],
      ] as const) {
        const r = await off.inject({ method, url, payload: method === 'POST' ? { ...staff } : undefined });
        expect(r.statusCode, url).toBe(503);
        expect(r.body).toContain('Bảng điều khiển chưa bật');
        expect(r.body).toContain('CHIDAO_SESSION_SECRET');
        expect(r.body).toContain('chidao user add');
        expect(r.body).not.toContain('name="password"');
        expect(cookieOf(r, 'chidao_session')).toBeUndefined();
      }
    } finally {
      await off.close();
    }
  });
});

describe("units' links at their edges", () => {
  const signer = () => new LinkSigner(s.config.CHIDAO_LINK_SECRET!, BASE, 90);
  const link = (key: string, action: LinkAction, code = 'T1') =>
    signer().url(key, code, action, Date.now(), 0).slice(BASE.length);

  it('a malformed link (missing, empty, cut short, not base64) is a 400 page that says so, for GET and POST', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const token = link(key, 'acknowledge').split('?t=')[1]!;
      for (const q of ['', '?t=', `?t=${token.split('.')[0]}`, '?t=%%%', '?t=a.b.c.d']) {
        for (const method of ['GET', 'POST'] as const) {
          const r = await web.inject({ method, url: `/u/acknowledge${q}` });
          expect(r.statusCode, `${method} ${q}`).toBe(400);
          expect(r.headers['content-type']).toMatch(/^text\/html/);
          expect(r.body).toContain('Liên kết không hợp lệ');
        }
      }
      expect((await unit('T1').query(unitStateQuery)).acknowledgedAt).toBeUndefined();
    });
  });

  it('an empty difficulty brings the form back (422) with the reason, and raises nothing', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const q = link(key, 'report').split('?')[1];
      const r = await web.inject({ method: 'POST', url: `/u/difficulty?${q}`, payload: { text: '   ' } });
      expect(r.statusCode).toBe(422);
      expect(r.body).toContain('Nội dung vướng mắc không được để trống.');
      expect(r.body).toMatch(/<form/);
      expect((await unit('T1').query(unitStateQuery)).difficulties).toEqual([]);
    });
  });

  it('an extension asked for a date that does not parse, or not after the deadline, brings the form back and asks nothing', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const q = link(key, 'report').split('?')[1];
      const bad = await web.inject({
        method: 'POST',
        url: `/u/extension?${q}`,
        payload: { until: 'tuần sau', reason: 'Chờ số liệu' },
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.body).toContain('tuần sau');
      expect(bad.body).toContain('Chờ số liệu');
      const earlier = await web.inject({
        method: 'POST',
        url: `/u/extension?${q}`,
        payload: { until: '2000-01-01', reason: 'Chờ số liệu' },
      });
      expect([409, 422]).toContain(earlier.statusCode);
      expect(earlier.body).toContain('Hạn mới phải sau hạn hiện tại.');
      const st = await unit('T1').query(unitStateQuery);
      expect(st.extensionRequests).toEqual([]);
      expect(st.extensionRequestsMade ?? 0).toBe(0);
    });
  });
});
