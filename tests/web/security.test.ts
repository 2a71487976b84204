import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startRun } from '../../src/client/start-run';
import { LinkSigner, type LinkAction } from '../../src/links/signer';
import { createWebServer } from '../../src/web/server';
import { csv } from '../../src/web/xlsx';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import {
  acknowledgeUpdate,
  correctAddressUpdate,
  submitReportUpdate,
  unitStateQuery,
} from '../../src/workflows/unit-lifecycle';
import { runStatusQuery } from '../../src/workflows/dissemination-run';
import { LIMITS } from '../../src/domain/unit-state';
import { requireSecret } from '../../src/config';
import { cookieOf, injectLogin, multipart, postLogin } from '../helpers/inject';
import { staffAccount } from '../helpers/accounts';
import { Accounts } from '../../src/accounts/accounts';
import { FileAccountStore } from '../../src/accounts/store';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';

/**
 * The attacks of SECURITY.md, each performed against the real pages (Fastify's inject) on a real dev
 * server: every test asserts that the attack no longer does harm.
 */
let s: Stack;
let web: FastifyInstance;
let key: string;
let log = '';
let clock = Date.now();
const BASE = 'http://chidao.test';

const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(key, code));
const signer = () => new LinkSigner(s.config.CHIDAO_LINK_SECRET, BASE, 90);
const path = (action: LinkAction, code: string, gen = 0) =>
  signer().url(key, code, action, Date.now(), gen).slice(BASE.length);
/** A route reached with a link of another action (the difficulty form posts with the report link). */
const at = (route: string, action: LinkAction, code: string) => `/u/${route}?${path(action, code).split('?')[1]}`;
let staff: { login: string; password: string };
const login = (app: FastifyInstance) => injectLogin(app, staff);
const accounts = () => new Accounts(new FileAccountStore(s.config.CHIDAO_DATA_DIR));

beforeAll(async () => {
  s = await devServerStack({
    CHIDAO_PUBLIC_URL: BASE,
    CHIDAO_UPLOAD_MAX_BYTES: String(64 * 1024),
    CHIDAO_UPLOAD_QUOTA_BYTES: String(100 * 1024),
  });
  staff = await staffAccount(s.config.CHIDAO_DATA_DIR);
  const logStream = new Writable({ write: (c, _e, cb) => ((log += String(c)), cb()) });
  web = await createWebServer({ client: s.client, config: s.config, logStream, now: () => clock });
  await s.run(async () => {
    const plan = testPlan({
      units: 4,
      policy: {
        acknowledge: { due: 'PT1H' },
        reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: 'PT2H' }],
        reminders: [],
        escalation: [],
      },
    });
    key = plan.key;
    await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
    for (const code of ['T1', 'T2', 'T3', 'T4'])
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

describe('the Office pages cannot be read without a session', () => {
  it('no spelling of an Office URL (%-escaped letters included) shows data without logging in', async () => {
    await s.run(async () => {
      for (const url of [
        '/%6Fffice',
        '/offic%65',
        `/%6Fffice/run/${key}`,
        `/offic%65/run/${key}/export.csv`,
        `/%6Fffice/run/${key}/export.xlsx`,
        `/offic%65/run/${key}/unit/T1`,
        `/office/run/${key}/export.csv`,
      ]) {
        const r = await web.inject({ method: 'GET', url });
        expect(r.statusCode, url).toBe(303);
        expect(r.headers.location, url).toMatch(/^\/office\/login/);
        expect(r.body, url).not.toContain('T1');
      }
      const post = await web.inject({ method: 'POST', url: `/offic%65/run/${key}/recall`, payload: { reason: 'x' } });
      expect(post.statusCode).toBe(401);
      expect((await s.client.workflow.getHandle(runWorkflowId(key)).query(runStatusQuery)).stop).toBeUndefined();
    });
  });
});

describe('one unit link cannot harm the follow-up', () => {
  it('a megabyte reason or difficulty is refused with the text kept, and the unit and its siblings keep running', async () => {
    await s.run(async () => {
      const big = 'x'.repeat(1024 * 1024);
      for (let i = 0; i < 3; i++) {
        const r = await web.inject({
          method: 'POST',
          url: at('extension', 'report', 'T2'),
          payload: { until: '2099-01-01', reason: big },
        });
        expect(r.statusCode).toBe(413);
      }
      const long = 'đ'.repeat(LIMITS.reason + 1);
      const r = await web.inject({
        method: 'POST',
        url: at('extension', 'report', 'T2'),
        payload: { until: '2099-01-01', reason: long },
      });
      expect(r.statusCode).toBe(422);
      expect(r.body).toMatch(/vượt giới hạn 1\.000 ký tự/);
      expect(r.body).toContain(`value="${long}"`);
      const d = await web.inject({
        method: 'POST',
        url: at('difficulty', 'report', 'T2'),
        payload: { text: 'v'.repeat(LIMITS.difficultyText + 1) },
      });
      expect(d.statusCode).toBe(422);
      expect(d.body).toContain('v'.repeat(LIMITS.difficultyText + 1));
      // Open difficulties are capped; the next one is refused by the workflow, with the text kept.
      for (let i = 1; i <= LIMITS.openDifficulties; i++) {
        const ok = await web.inject({
          method: 'POST',
          url: at('difficulty', 'report', 'T2'),
          payload: { text: `Vướng mắc ${i}` },
        });
        expect(ok.statusCode).toBe(200);
      }
      const over = await web.inject({
        method: 'POST',
        url: at('difficulty', 'report', 'T2'),
        payload: { text: 'Vướng mắc thừa' },
      });
      expect(over.statusCode).toBe(409);
      expect(over.body).toMatch(/5 vướng mắc chờ trả lời/);
      expect(over.body).toContain('Vướng mắc thừa');
      const st = await unit('T2').query(unitStateQuery);
      expect(st.difficulties).toHaveLength(LIMITS.openDifficulties);
      expect((await unit('T2').describe()).status.name).toBe('RUNNING');
      expect((await unit('T3').describe()).status.name).toBe('RUNNING');
    });
  });

  it('an update answers with a brief of a few hundred bytes, whatever the unit has accumulated', async () => {
    await s.run(async () => {
      const brief = await unit('T4').executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
      expect(Object.keys(brief).sort()).toEqual(
        [
          'ackDeadline',
          'acknowledgedAt',
          'dispatchedAt',
          'escalationLevel',
          'overdue',
          'remindersSent',
          'reportCycle',
          'reportDeadline',
          'reportIndex',
          'stage',
          'unit',
        ].sort(),
      );
      expect(JSON.stringify(brief).length).toBeLessThan(600);
    });
  });
});

describe('sessions', () => {
  it('logging out ends the session on the server: the same cookie no longer opens the dashboard', async () => {
    await s.run(async () => {
      const cookie = await login(web);
      const page = await web.inject({ method: 'GET', url: `/office/run/${key}`, cookies: { chidao_session: cookie } });
      expect(page.statusCode).toBe(200);
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const out = await web.inject({
        method: 'POST',
        url: '/office/logout',
        cookies: { chidao_session: cookie },
        payload: { csrf },
      });
      expect(out.statusCode).toBe(303);
      const again = await web.inject({ method: 'GET', url: `/office/run/${key}`, cookies: { chidao_session: cookie } });
      expect(again.statusCode).toBe(303);
      expect(again.headers.location).toMatch(/^\/office\/login/);
    });
  });

  it("an idle session expires; disabling, a role change or a password reset ends the person's open sessions at once", async () => {
    await s.run(async () => {
      const cookie = await login(web);
      clock += (s.config.CHIDAO_SESSION_IDLE_MINUTES - 1) * 60_000;
      expect(
        (await web.inject({ method: 'GET', url: '/office', cookies: { chidao_session: cookie } })).statusCode,
      ).toBe(200);
      clock += (s.config.CHIDAO_SESSION_IDLE_MINUTES + 1) * 60_000;
      expect(
        (await web.inject({ method: 'GET', url: '/office', cookies: { chidao_session: cookie } })).statusCode,
      ).toBe(303);

      // Another server process on the same data folder (a restart): sessions survive it, and an
      // administrator's change made from the CLI ends them in every process, on the next request.
      const other = await createWebServer({ client: s.client, config: s.config, now: () => clock });
      const status = async (app: FastifyInstance, cookie: string) =>
        (await app.inject({ method: 'GET', url: '/office', cookies: { chidao_session: cookie } })).statusCode;
      try {
        let temporary = '';
        for (const change of [
          () => accounts().setActive(staff.login, false),
          () => accounts().setRoles(staff.login, ['van-thu', 'chuyen-vien', 'lanh-dao', 'kiem-toan', 'quan-tri']),
          async () => void (temporary = (await accounts().resetPassword(staff.login)).password),
        ]) {
          await accounts().setActive(staff.login, true);
          const fresh = await login(web);
          expect(await status(other, fresh)).toBe(200);
          await change();
          expect(await status(web, fresh)).toBe(303);
          expect(await status(other, fresh)).toBe(303);
        }
        // The reset's temporary password changed back, so the steps below log in as before.
        await accounts().changePassword(staff.login, temporary, staff.password);
        // While disabled, the password no longer opens a session.
        await accounts().setActive(staff.login, false);
        const r = await postLogin(web, staff);
        expect(r.statusCode).toBe(401);
        expect(r.body).toContain('Tài khoản đã bị khóa; hãy hỏi quản trị viên.');
        expect(cookieOf(r, 'chidao_session')).toBeUndefined();
      } finally {
        await accounts().setActive(staff.login, true);
        await other.close();
      }
    });
  });

  it('an address that keeps trying passwords is stopped, and the limiter holds a bounded store', async () => {
    await s.run(async () => {
      const app = await createWebServer({ client: s.client, config: s.config });
      try {
        const codes: number[] = [];
        for (let i = 0; i < 11; i++)
          codes.push(
            (
              await app.inject({
                method: 'POST',
                url: '/office/login',
                remoteAddress: '10.0.0.9',
                payload: { login: 'x', password: 'sai' },
              })
            ).statusCode,
          );
        expect(codes.slice(0, 10).every((c) => c === 403)).toBe(true);
        expect(codes[10]).toBe(429);
        // Another address is not held up by the first.
        expect(
          (
            await app.inject({
              method: 'POST',
              url: '/office/login',
              remoteAddress: '10.0.0.10',
              payload: { login: 'x', password: 'sai' },
            })
          ).statusCode,
        ).toBe(403);
      } finally {
        await app.close();
      }
    });
  });
});

describe('secrets and logs', () => {
  it('a missing, short, published or guessable secret is refused with the setting named', () => {
    expect(() => requireSecret(undefined, 'CHIDAO_LINK_SECRET')).toThrow(/Thiếu CHIDAO_LINK_SECRET/);
    expect(() => requireSecret('a'.repeat(20), 'CHIDAO_LINK_SECRET')).toThrow(/quá ngắn/);
    expect(() => requireSecret('dev-only-secret-change-me-in-production', 'CHIDAO_LINK_SECRET')).toThrow(/giá trị mẫu/);
    expect(() => requireSecret('ab'.repeat(20), 'CHIDAO_SESSION_SECRET')).toThrow(/dễ đoán/);
    expect(requireSecret('3f9c0a7b1e24d8c65a0f7e19b2c4d6e8', 'CHIDAO_LINK_SECRET')).toHaveLength(32);
  });

  it("a unit's token never reaches the server log", async () => {
    await s.run(async () => {
      const url = path('status', 'T3');
      const token = new URL(url, BASE).searchParams.get('t')!;
      expect((await web.inject({ method: 'GET', url })).statusCode).toBe(200);
      expect(log).toContain('/u/status?t=[đã-ẩn]');
      expect(log).not.toContain(token.slice(0, 20));
    });
  });
});

describe('uploads', () => {
  const uploads = () => join(s.config.CHIDAO_DATA_DIR, 'uploads');
  const files = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((d) => d.isFile())
          .map((d) => d.name)
      : [];
  const pdf = (n: number) => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(n, 0x20)]);

  it('a report refused (already reported, wrong type, text too long, over quota) leaves no file behind', async () => {
    await s.run(async () => {
      // Wrong type and overlong text: 422, the form back with the text, nothing stored.
      const wrong = await web.inject({
        method: 'POST',
        url: path('report', 'T1'),
        ...multipart([
          { name: 'text', value: 'Báo cáo' },
          { name: 'file', value: Buffer.from('MZ..'), filename: 'x.exe' },
        ]),
      });
      expect(wrong.statusCode).toBe(422);
      const long = 'ư'.repeat(LIMITS.reportText + 1);
      const tooLong = await web.inject({
        method: 'POST',
        url: path('report', 'T1'),
        ...multipart([
          { name: 'text', value: long },
          { name: 'file', value: pdf(1000), filename: 'a.pdf' },
        ]),
      });
      expect(tooLong.statusCode).toBe(422);
      expect(tooLong.body).toMatch(/dài hơn giới hạn 50\.000 ký tự/);
      expect(tooLong.body).toContain('ư'.repeat(1000));
      expect(files(uploads())).toEqual([]);

      // Quota: 100 KB per unit; two 60 KB files do not fit.
      const first = await web.inject({
        method: 'POST',
        url: path('report', 'T1'),
        ...multipart([
          { name: 'text', value: 'Kỳ 1' },
          { name: 'file', value: pdf(60 * 1024 - 20), filename: 'ky-1.pdf' },
        ]),
      });
      expect(first.statusCode).toBe(200);
      expect(files(uploads())).toHaveLength(1);
      await unit('T1').executeUpdate((await import('../../src/workflows/unit-lifecycle')).returnReportUpdate, {
        args: [{ by: 'VP', reason: 'Bổ sung', due: { within: { kind: 'exact', ms: 3_600_000 } } }],
      });
      const over = await web.inject({
        method: 'POST',
        url: path('report', 'T1'),
        ...multipart([
          { name: 'text', value: 'Kỳ 1, bổ sung' },
          { name: 'file', value: pdf(60 * 1024 - 30), filename: 'ky-1-bo-sung.pdf' },
        ]),
      });
      expect(over.statusCode).toBe(422);
      expect(over.body).toMatch(/hết dung lượng lưu tệp/);
      expect(files(uploads())).toHaveLength(1);

      // Submitted without a file, then three more reports while the first waits for review: 409, nothing kept.
      await unit('T1').executeUpdate(submitReportUpdate, {
        args: [{ by: { channel: 'office', by: 'VP' }, text: 'Qua điện thoại' }],
      });
      for (let i = 0; i < 3; i++) {
        const again = await web.inject({
          method: 'POST',
          url: path('report', 'T1'),
          ...multipart([
            { name: 'text', value: 'Lần nữa' },
            { name: 'file', value: pdf(50 * 1024), filename: `lan-${i}.pdf` },
          ]),
        });
        expect(again.statusCode).toBe(409);
      }
      expect(files(uploads())).toHaveLength(1);
    });
  });

  it('a malformed multipart body is a 400 page, a bad %-escape is our page, not a 500 or JSON', async () => {
    await s.run(async () => {
      const cut = multipart([
        { name: 'text', value: 'Báo cáo' },
        { name: 'file', value: pdf(1000), filename: 'a.pdf' },
      ]);
      const r = await web.inject({
        method: 'POST',
        url: path('report', 'T3'),
        headers: cut.headers,
        payload: cut.payload.subarray(0, cut.payload.length - 60),
      });
      expect(r.statusCode).toBe(400);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.body).toMatch(/Biểu mẫu gửi lên không hợp lệ/);
      const bad = await web.inject({ method: 'GET', url: '/u/status%E0%A4%A' });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toMatch(/text\/html/);
      expect(bad.body).toMatch(/Địa chỉ không hợp lệ/);
    });
  });
});

describe('links', () => {
  it('a status link hands out no acknowledgement or report link and cannot act', async () => {
    await s.run(async () => {
      const page = await web.inject({ method: 'GET', url: path('status', 'T3') });
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toMatch(/\/u\/acknowledge\?t=/);
      expect(page.body).not.toMatch(/\/u\/report\?t=/);
      const act = await web.inject({ method: 'POST', url: at('acknowledge', 'status', 'T3') });
      expect(act.statusCode).toBe(403);
      // An acknowledgement link shows the status, and nothing beyond its own action.
      const ack = await web.inject({ method: 'GET', url: path('acknowledge', 'T3') });
      expect(ack.body).toMatch(/\/u\/status\?t=/);
      expect(ack.body).not.toMatch(/\/u\/report\?t=/);
      expect((await unit('T3').query(unitStateQuery)).acknowledgedAt).toBeUndefined();
    });
  });

  it('after an address correction, links mailed to the old address stop working and new ones work', async () => {
    await s.run(async () => {
      const old = path('acknowledge', 'T3');
      await unit('T3').executeUpdate(correctAddressUpdate, { args: [{ by: 'VP', emails: ['t3.moi@thads.example'] }] });
      const r = await web.inject({ method: 'POST', url: old });
      expect(r.statusCode).toBe(410);
      expect(r.body).toMatch(/Liên kết đã được thay thế/);
      expect((await unit('T3').query(unitStateQuery)).acknowledgedAt).toBeUndefined();
      const fresh = await web.inject({ method: 'POST', url: path('acknowledge', 'T3', 1) });
      expect(fresh.statusCode).toBe(200);
      expect((await unit('T3').query(unitStateQuery)).acknowledgedAt).toBeDefined();
    });
  });
});

describe('exports', () => {
  it('CSV cells that a spreadsheet would run as formulas are neutralised', () => {
    const out = csv([['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', '\tx', '\rx', 'an toàn', 3, -4]]);
    expect(out).toBe(
      '\uFEFF"\'=HYPERLINK(""http://x"",""y"")","\'+1","\'-2","\'@SUM(A1)","\'\tx","\'\rx",an toàn,3,-4\r\n',
    );
  });
});
