import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startRun } from '../../src/client/start-run';
import { LinkSigner, type LinkAction } from '../../src/links/signer';
import { createWebServer } from '../../src/web/server';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { runStatusQuery } from '../../src/workflows/dissemination-run';
import { LIMITS } from '../../src/domain/unit-state';
import { staffAccount } from '../helpers/accounts';
import { injectLogin, multipart } from '../helpers/inject';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';

/**
 * The routes' refusals through Fastify's inject, on a real dev server: each asserts the status, the
 * page a person would see, and that nothing changed in the run.
 */
const BASE = 'http://chidao.test';
let s: Stack;
let web: FastifyInstance;
let key: string;

const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(key, code));
const run = () => s.client.workflow.getHandle(runWorkflowId(key));
const path = (action: LinkAction, code: string) =>
  new LinkSigner(s.config.CHIDAO_LINK_SECRET, BASE, 90).url(key, code, action, Date.now()).slice(BASE.length);
const uploads = () => join(s.config.CHIDAO_DATA_DIR, 'uploads');
const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name)
    : [];

/** Logs in and returns the session cookie and the CSRF token of the run's page. */
async function login(): Promise<{ cookie: string; csrf: string }> {
  const cookie = await injectLogin(
    web,
    await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'kiemtra', name: 'Trần Thị Kiểm Tra' }),
  );
  const page = await web.inject({ method: 'GET', url: `/office/run/${key}`, cookies: { chidao_session: cookie } });
  return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(page.body)![1]! };
}

beforeAll(async () => {
  s = await devServerStack({
    CHIDAO_PUBLIC_URL: BASE,
    CHIDAO_UPLOAD_MAX_BYTES: String(32 * 1024),
  });
  web = await createWebServer({ client: s.client, config: s.config });
  await s.run(async () => {
    const policy = {
      acknowledge: { due: 'PT1H' },
      reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: 'PT2H' }],
      reminders: [],
      escalation: [],
    };
    const plan = testPlan({ units: 2, policy });
    key = plan.key;
    await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
    for (const code of ['T1', 'T2'])
      await vi.waitFor(async () => expect((await unit(code).query(unitStateQuery)).stage).toBe('dispatched'), {
        timeout: 30_000,
        interval: 200,
      });
  });
}, 120_000);

afterAll(async () => {
  await web?.close();
  await s?.close();
});

describe("units' routes", () => {
  it('a forged link is a 403 page and acknowledges nothing', async () => {
    await s.run(async () => {
      const [payload] = path('acknowledge', 'T1').split('?t=')[1]!.split('.');
      const r = await web.inject({ method: 'POST', url: `/u/acknowledge?t=${payload}.${'A'.repeat(43)}` });
      expect(r.statusCode).toBe(403);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.body).toMatch(/không do hệ thống cấp hoặc đã bị sửa đổi/);
      expect((await unit('T1').query(unitStateQuery)).acknowledgedAt).toBeUndefined();
    });
  });

  it('an oversized upload brings the form back with the text typed, and stores nothing', async () => {
    await s.run(async () => {
      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(40 * 1024, 0x20)]);
      const text = 'Báo cáo <kết quả> & số liệu';
      const body = multipart([
        { name: 'text', value: text },
        { name: 'file', value: pdf, filename: 'lon.pdf' },
      ]);
      const r = await web.inject({ method: 'POST', url: path('report', 'T2'), ...body });
      expect(r.statusCode).toBe(422);
      expect(r.body).toMatch(/lớn hơn giới hạn 32 KB/);
      expect(r.body).toContain('Báo cáo &lt;kết quả&gt; &amp; số liệu</textarea>');
      expect(files(uploads())).toEqual([]);
      expect((await unit('T2').query(unitStateQuery)).reports).toHaveLength(0);
    });
  });

  it('a file whose content is not its extension is refused by its content', async () => {
    await s.run(async () => {
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const body = multipart([
        { name: 'text', value: 'Kèm ảnh' },
        { name: 'file', value: png, filename: 'anh.pdf' },
      ]);
      const r = await web.inject({ method: 'POST', url: path('report', 'T2'), ...body });
      expect(r.statusCode).toBe(422);
      expect(r.body).toMatch(/Nội dung tệp &quot;anh.pdf&quot; không phải tệp .pdf hợp lệ/);
      expect(files(uploads())).toEqual([]);
    });
  });

  it('every answer carries the security headers, error pages included', async () => {
    for (const url of ['/office/login', '/u/status?t=x', '/khong-co']) {
      const r = await web.inject({ method: 'GET', url });
      expect(r.headers['content-security-policy'], url).toBe(
        "default-src 'none';style-src 'self';img-src 'self' data:;form-action 'self';frame-ancestors 'none';base-uri 'none'",
      );
      expect(r.headers['referrer-policy'], url).toBe('no-referrer');
      expect(r.headers['x-frame-options'], url).toBe('DENY');
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
      expect(r.headers['cache-control'], url).toBe('no-store');
    }
  });
});

describe("the Office's routes", () => {
  it('without a session, an act on a unit is a 401 page and changes nothing', async () => {
    await s.run(async () => {
      const r = await web.inject({
        method: 'POST',
        url: `/office/run/${key}/unit/T1/extend`,
        payload: { until: '2099-01-01' },
      });
      expect(r.statusCode).toBe(401);
      expect(r.body).toMatch(/Cần đăng nhập/);
      expect((await unit('T1').query(unitStateQuery)).extensions).toHaveLength(0);
    });
  });

  it("a form without its CSRF token, or with another session's, is a 403 and recalls nothing", async () => {
    await s.run(async () => {
      const a = await login();
      const b = await login();
      for (const csrf of [undefined, b.csrf]) {
        const payload = { reason: 'Thu hồi giả mạo', ...(csrf ? { csrf } : {}) };
        const r = await web.inject({
          method: 'POST',
          url: `/office/run/${key}/recall`,
          cookies: { chidao_session: a.cookie },
          payload,
        });
        expect(r.statusCode).toBe(403);
        expect(r.body).toMatch(/thiếu mã chống giả mạo/);
      }
      expect((await run().query(runStatusQuery)).stop).toBeUndefined();
    });
  });

  it("the Office service's refusals are pages: a reason too long or missing (422), an unknown run (404)", async () => {
    await s.run(async () => {
      const { cookie, csrf } = await login();
      const post = (url: string, payload: Record<string, string>) =>
        web.inject({ method: 'POST', url, cookies: { chidao_session: cookie }, payload: { csrf, ...payload } });
      const long = await post(`/office/run/${key}/recall`, { reason: 'l'.repeat(LIMITS.reason + 1) });
      expect(long.statusCode).toBe(422);
      expect(long.body).toMatch(/Lý do thu hồi dài 1\.001 ký tự, vượt giới hạn 1\.000 ký tự/);
      const missing = await post(`/office/run/${key}/recall`, { reason: '  ' });
      expect(missing.statusCode).toBe(422);
      expect(missing.body).toMatch(/<h1>Thiếu lý do<\/h1>/);
      const badDate = await post(`/office/run/${key}/unit/T1/extend`, { until: 'mai' });
      expect(badDate.statusCode).toBe(422);
      expect(badDate.body).toMatch(/Gia hạn đến: hạn không hợp lệ &quot;mai&quot;/);
      const unknown = await post('/office/run/2023-1-KHONG-CO/close', { note: '' });
      expect(unknown.statusCode).toBe(404);
      expect((await run().query(runStatusQuery)).stop).toBeUndefined();
      expect((await unit('T1').query(unitStateQuery)).extensions).toHaveLength(0);
    });
  });

  it('a field sent twice fails the route schema with a 400 page, not a 500', async () => {
    await s.run(async () => {
      const { cookie, csrf } = await login();
      const r = await web.inject({
        method: 'POST',
        url: `/office/run/${key}/close`,
        cookies: { chidao_session: cookie },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `csrf=${encodeURIComponent(csrf)}&note=a&note=b`,
      });
      expect(r.statusCode).toBe(400);
      expect(r.body).toMatch(/Yêu cầu không hợp lệ/);
      expect((await run().query(runStatusQuery)).stop).toBeUndefined();
    });
  });
});
