import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { startRun } from '../../src/client/start-run';
import { FileAuditStore } from '../../src/audit/file-store';
import { LinkSigner } from '../../src/links/signer';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import {
  acknowledgeUpdate,
  raiseDifficultyUpdate,
  submitReportUpdate,
  unitStateQuery,
} from '../../src/workflows/unit-lifecycle';
import { runStatusQuery } from '../../src/workflows/dissemination-run';
import { staffAccount } from '../helpers/accounts';
import { injectLogin } from '../helpers/inject';
import type { Stack } from '../helpers/stack';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { testPlan } from '../helpers/fixtures';
import { listeningStack } from '../helpers/web-stack';
import { waitUntil } from '../helpers/wait';
import { chromiumPath, CHROMIUM_ARGS } from '../helpers/browser';

/**
 * The units' pages and the Office's dashboard in Debian's Chromium, against the real dev server and
 * SMTP server: links are taken from the mail as delivered.
 */
let staff: { login: string; password: string };
const SHOTS = 'test-artifacts/screenshots';
let s: Stack;
let web: FastifyInstance;
let browser: Browser;
let base: string;

/** A run of three units due in hours, started by the `describe` that uses it (no test reads another's run). */
async function startRun3(): Promise<string> {
  const plan = testPlan({
    units: 3,
    policy: {
      acknowledge: { due: 'PT1H' },
      reports: [{ id: 'ket-qua', title: 'Báo cáo kết quả triển khai', due: 'PT2H' }],
      reminders: [],
      escalation: [],
    },
  });
  await s.run(() => startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 }));
  return plan.key;
}

/** Waits until each of the run's units has been dispatched (its stage is what the pages show). */
async function dispatched(runKey: string, codes: string[]) {
  for (const code of codes)
    await s.run(() =>
      waitUntil(
        () => unitState(runKey, code),
        (st) => st.stage === 'dispatched',
      ),
    );
}
const linkIn = (text: string, action: string) =>
  new RegExp(`(http\\S+/u/${action}\\?t=[A-Za-z0-9_.-]+)`).exec(text)![1]!;
const dispatchTo = async (runKey: string, code: string) =>
  (
    await waitForMails(
      both(ofRun(runKey), ofKind('dispatch'), (m) => m.to[0]!.address === `${code.toLowerCase()}@thads.example`),
      1,
      30_000,
    )
  )[0]!;
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const unitState = (runKey: string, code: string) =>
  s.client.workflow.getHandle(unitWorkflowId(runKey, code)).query(unitStateQuery);
// Long enough for a page to render after a form's POST, which the first poll may precede.
const POLL = { timeout: 15_000, interval: 200 };

async function login(page: Page, path: string) {
  await page.goto(`${base}${path}`);
  await page.getByLabel('Tên đăng nhập').fill(staff.login);
  await page.getByLabel('Mật khẩu').fill(staff.password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ s, web, base } = await listeningStack({ CHIDAO_UPLOAD_MAX_BYTES: String(64 * 1024) }));
  staff = await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'vanthu', name: 'Nguyễn Thị Văn Thư' });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await s?.close();
});

describe('pages for units', () => {
  let key: string;
  beforeAll(async () => {
    key = await startRun3();
    await dispatched(key, ['T1', 'T2', 'T3']);
  });

  it('a unit opens the link from its email, acknowledges, and the act is audited with its address and browser', async () => {
    await s.run(async () => {
      const mail = await dispatchTo(key, 'T1');
      const link = linkIn(mail.text, 'acknowledge');
      expect(link.startsWith(`${base}/u/acknowledge?t=`)).toBe(true);
      const page = await browser.newPage();
      await page.goto(link);
      await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Xác nhận đã nhận văn bản');
      // Opening the link alone changes nothing: mail scanners open links too.
      expect((await unitState(key, 'T1')).acknowledgedAt).toBeUndefined();
      await shot(page, 'unit-acknowledge');
      await page.getByRole('button', { name: 'Xác nhận đã nhận văn bản' }).click();
      await expect
        .poll(() => page.locator('[role=status]').textContent(), POLL)
        .toMatch(/Đã ghi nhận: Cục THADS tỉnh Thử 1 đã nhận văn bản số/);
      expect((await unitState(key, 'T1')).stage).toBe('acknowledged');

      const records = await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(key);
      const ack = records.find((r) => r.kind === 'acknowledged' && r.unit === 'T1');
      expect(ack?.actor).toMatchObject({
        channel: 'link',
        by: 'Cục THADS tỉnh Thử 1',
        ip: '127.0.0.1',
        userAgent: expect.stringMatching(/Chrome/),
      });

      // A second click (a back button, a double submit) gets a clear refusal, not a second act.
      await page.goBack();
      await page.reload();
      await expect
        .poll(() => page.locator('[role=status]').textContent(), POLL)
        .toMatch(/đã xác nhận nhận văn bản lúc/);
      const again = await page.request.post(link);
      expect(again.status()).toBe(409);
      expect(await again.text()).toMatch(/đã xác nhận|Đã xác nhận/);
      const after = await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(key);
      expect(after.filter((r) => r.kind === 'acknowledged' && r.unit === 'T1')).toHaveLength(1);
      await page.close();
    });
  });

  it('a forged, tampered or expired link gets a clear page and changes nothing', async () => {
    await s.run(async () => {
      const mail = await dispatchTo(key, 'T2');
      const link = linkIn(mail.text, 'acknowledge');
      const token = new URL(link).searchParams.get('t')!;
      const [payload, mac] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as [string, string, string, number];
      const page = await browser.newPage();

      // T2's signature on a payload rewritten to act for T3.
      const tampered = `${Buffer.from(JSON.stringify([claims[0], 'T3', claims[2], claims[3]])).toString('base64url')}.${mac}`;
      const r1 = await page.goto(`${base}/u/acknowledge?t=${tampered}`);
      expect(r1!.status()).toBe(403);
      await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Liên kết không hợp lệ');
      await shot(page, 'unit-forged-link');
      const post = await page.request.post(`${base}/u/acknowledge?t=${tampered}`);
      expect(post.status()).toBe(403);

      // A link signed with another secret.
      const other = new LinkSigner(randomBytes(32).toString('hex'), base, 90).url(key, 'T2', 'acknowledge', Date.now());
      expect((await page.request.post(other)).status()).toBe(403);

      // A genuine but expired link, and a genuine link used for another action.
      const expired = new LinkSigner(s.config.CHIDAO_LINK_SECRET, base, 90).token({
        run: key,
        unit: 'T2',
        action: 'acknowledge',
        exp: Math.floor(Date.now() / 1000) - 60,
      });
      const r3 = await page.goto(`${base}/u/acknowledge?t=${expired}`);
      expect(r3!.status()).toBe(410);
      expect(await page.locator('h1').textContent()).toBe('Liên kết đã hết hạn');
      expect((await page.request.post(`${base}/u/report?t=${token}`, { multipart: { text: 'x' } })).status()).toBe(403);

      expect((await unitState(key, 'T2')).stage).toBe('dispatched');
      expect((await unitState(key, 'T3')).stage).toBe('dispatched');
      await page.close();
    });
  });

  it('a unit submits its report with a file, which the Office downloads; a wrong type or an oversized file is refused and keeps the text', async () => {
    await s.run(async () => {
      const mail = await dispatchTo(key, 'T1');
      const page = await browser.newPage();
      await page.goto(linkIn(mail.text, 'report'));
      await expect.poll(() => page.locator('h2').first().textContent(), POLL).toBe('Báo cáo kết quả triển khai');

      await page.getByLabel('Nội dung báo cáo').fill('Đã quán triệt Luật tới 100% công chức.');
      await page.getByLabel('Tệp báo cáo (không bắt buộc)').setInputFiles({
        name: 'chuong-trinh.exe',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from('MZ...'),
      });
      await page.getByRole('button', { name: 'Gửi báo cáo' }).click();
      await expect
        .poll(() => page.locator('[role=alert]').textContent(), POLL)
        .toMatch(/không thuộc loại được nhận.*Báo cáo chưa được gửi/);
      expect(await page.getByLabel('Nội dung báo cáo').inputValue()).toBe('Đã quán triệt Luật tới 100% công chức.');

      const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(80 * 1024, 0x20)]);
      await page
        .getByLabel('Tệp báo cáo (không bắt buộc)')
        .setInputFiles({ name: 'báo cáo lớn.pdf', mimeType: 'application/pdf', buffer: big });
      await page.getByRole('button', { name: 'Gửi báo cáo' }).click();
      await expect.poll(() => page.locator('[role=alert]').textContent(), POLL).toMatch(/lớn hơn giới hạn/);
      expect((await unitState(key, 'T1')).reports).toEqual([]);

      const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
      await page
        .getByLabel('Tệp báo cáo (không bắt buộc)')
        .setInputFiles({ name: 'Báo cáo kết quả.pdf', mimeType: 'application/pdf', buffer: pdf });
      await shot(page, 'unit-report');
      await page.getByRole('button', { name: 'Gửi báo cáo' }).click();
      await expect
        .poll(() => page.locator('[role=status]').textContent(), POLL)
        .toMatch(/Văn phòng đã nhận báo cáo của Cục THADS tỉnh Thử 1 kèm tệp "Báo cáo kết quả.pdf"/);

      const st = await unitState(key, 'T1');
      const sha = createHash('sha256').update(pdf).digest('hex');
      expect(st.stage).toBe('reported');
      expect(st.reports[0]).toMatchObject({
        text: 'Đã quán triệt Luật tới 100% công chức.',
        fileName: 'Báo cáo kết quả.pdf',
        sha256: sha,
        by: { channel: 'link' },
      });
      expect(
        existsSync(join(s.config.CHIDAO_DATA_DIR, 'uploads', key, 'T1', `${sha.slice(0, 16)}-Báo cáo kết quả.pdf`)),
      ).toBe(true);
      // The Office downloads the very file from the unit's page; a hash the unit never sent is 404.
      const office = await injectLogin(web, staff);
      const file = (h: string) =>
        web.inject({ method: 'GET', url: `/office/run/${key}/unit/T1/file/${h}`, cookies: { chidao_session: office } });
      const got = await file(sha);
      expect(got.statusCode).toBe(200);
      expect(createHash('sha256').update(got.rawPayload).digest('hex')).toBe(sha);
      expect(got.headers['content-disposition']).toContain(encodeURIComponent('Báo cáo kết quả.pdf'));
      expect((await file('0'.repeat(64))).statusCode).toBe(404);
      await page.close();
    });
  });

  it('a unit raises a difficulty and asks for an extension from its page; the Office is told by email', async () => {
    await s.run(async () => {
      const mail = await dispatchTo(key, 'T2');
      const page = await browser.newPage();
      await page.goto(linkIn(mail.text, 'report'));
      await page.getByLabel('Nội dung vướng mắc').fill('Chưa rõ cách tính số liệu kỳ báo cáo.');
      await page.getByRole('button', { name: 'Gửi tới Văn phòng' }).click();
      await expect
        .poll(() => page.locator('[role=status]').textContent(), POLL)
        .toMatch(/Vướng mắc số 1 đã được chuyển tới Văn phòng/);
      const raised = await waitForMails(both(ofRun(key), ofKind('difficulty-raised')), 1);
      expect(raised[0]!.to[0]!.address).toBe('vp@thads.example');
      expect(raised[0]!.text).toContain('Chưa rõ cách tính số liệu kỳ báo cáo.');

      await page.goto(linkIn(mail.text, 'report'));
      const ackDeadline = (await unitState(key, 'T2')).ackDeadline!;
      await page
        .getByLabel('Đề nghị gia hạn đến ngày')
        .fill(new Date(ackDeadline + 10 * 86400_000).toISOString().slice(0, 10));
      await page.getByLabel('Lý do').fill('Đơn vị đang kiện toàn tổ chức');
      await page.getByRole('button', { name: 'Gửi đề nghị' }).click();
      await expect
        .poll(() => page.locator('[role=status]').textContent(), POLL)
        .toMatch(/Đề nghị gia hạn đã được chuyển tới Văn phòng/);
      const asked = await waitForMails(both(ofRun(key), ofKind('extension-requested')), 1);
      expect(asked[0]!.text).toContain('Đơn vị đang kiện toàn tổ chức');
      const st = await unitState(key, 'T2');
      expect(st.extensionRequests).toEqual([expect.objectContaining({ reason: 'Đơn vị đang kiện toàn tổ chức' })]);
      // A request is not a decision: the deadline stands until the Office extends it.
      expect(st.ackDeadline).toBe(ackDeadline);

      // The status page shows the unit its difficulty, waiting for an answer.
      await page.goto(linkIn(mail.text, 'status'));
      expect(await page.locator('main').textContent()).toMatch(
        /Số 1.*Chưa rõ cách tính số liệu kỳ báo cáo\.\s*Đang chờ trả lời\./s,
      );
      await shot(page, 'unit-status');
      await page.close();
    });
  });
});

describe('the Office dashboard', () => {
  let key: string;
  let overdueKey: string;
  beforeAll(async () => {
    key = await startRun3();
    await dispatched(key, ['T1', 'T2', 'T3']);
    // What a unit did through its link, done here so this describe needs nothing from the one above.
    const t1 = s.client.workflow.getHandle(unitWorkflowId(key, 'T1'));
    const viaLink = { channel: 'link' as const, by: 'Cục THADS tỉnh Thử 1', ip: '127.0.0.1', userAgent: 'Chrome' };
    await s.run(async () => {
      await t1.executeUpdate(acknowledgeUpdate, { args: [viaLink] });
      await t1.executeUpdate(submitReportUpdate, { args: [{ by: viaLink, text: 'Đã quán triệt.' }] });
    });
    // A second run whose units are overdue within seconds; T1 then acknowledges, which ends its lateness,
    // so a filter that let every row through would show it.
    const late = testPlan({
      units: 2,
      policy: { acknowledge: { due: 'PT1S' }, reminders: [], escalation: [{ after: 'PT1H', notify: 'head' }] },
    });
    overdueKey = late.key;
    await s.run(async () => {
      await startRun(s.client, late, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
      for (const code of ['T1', 'T2'])
        await waitUntil(
          () => unitState(overdueKey, code),
          (st) => st.overdue,
        );
      const acked = await s.client.workflow
        .getHandle(unitWorkflowId(overdueKey, 'T1'))
        .executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'Văn phòng' }] });
      expect(acked.overdue).toBe(false);
    });
  });

  it('needs a login; a wrong password is refused; the run shows the acknowledgement made through the link', async () => {
    await s.run(async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/office/run/${key}`);
      expect(page.url()).toMatch(/\/office\/login\?next=/);
      await page.getByLabel('Tên đăng nhập').fill(staff.login);
      await page.getByLabel('Mật khẩu').fill('sai-mat-khau');
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await expect
        .poll(() => page.locator('[role=alert]').textContent(), POLL)
        .toMatch(/Sai tên đăng nhập hoặc mật khẩu/);
      await shot(page, 'office-login');

      await page.getByLabel('Tên đăng nhập').fill(staff.login);
      await page.getByLabel('Mật khẩu').fill(staff.password);
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await page.waitForURL(`${base}/office/run/${key}`);
      const row = page.locator('tr[data-unit="T1"]');
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toMatch(/Đã báo cáo, chờ duyệt/);
      expect(await page.locator('tr[data-unit="T2"]').textContent()).toMatch(/Đã gửi, chờ xác nhận/);
      expect(await page.locator('.chart svg desc').textContent()).toMatch(/Đã xác nhận 1\/3, đã báo cáo 1\/3/);
      const cookie = (await page.context().cookies()).find((c) => c.name === 'chidao_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      await shot(page, 'office-run');

      // Keyboard: the first Tab reaches the skip link.
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document
              .activeElement?.textContent,
        ),
      ).toBe('Bỏ qua, tới nội dung chính');

      // The runs list comes from visibility.
      await page.goto(`${base}/office`);
      await expect.poll(() => page.locator(`a[href="/office/run/${key}"]`).count(), { timeout: 15_000 }).toBe(1);
      await page.close();
    });
  });

  it('filters overdue units by visibility query, and exports the table as CSV and XLSX', async () => {
    await s.run(async () => {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      // Visibility itself (no fallback of the page's) selects exactly T2: T1 is no longer late.
      const ref = (await s.client.workflow.getHandle(runWorkflowId(overdueKey)).query(runStatusQuery)).ref;
      const byVisibility = async () => {
        const ids: string[] = [];
        const query = `WorkflowType = 'unitLifecycle' AND ChidaoDirective = '${ref}' AND ChidaoOverdue = true`;
        for await (const w of s.client.workflow.list({ query })) ids.push(w.workflowId);
        return ids.sort().join(',');
      };
      await expect.poll(byVisibility, { timeout: 20_000, interval: 500 }).toBe(unitWorkflowId(overdueKey, 'T2'));
      await login(page, `/office/run/${overdueKey}?filter=overdue`);
      await page.waitForURL(`${base}/office/run/${overdueKey}?filter=overdue`);
      expect(
        await page.locator('#units tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-unit'))),
      ).toEqual(['T2']);
      expect(await page.locator('#units tbody tr.overdue').count()).toBe(1);
      await shot(page, 'office-run-overdue-phone');
      await page.goto(`${base}/office/run/${key}?filter=unacknowledged`);
      await expect
        .poll(
          async () =>
            (await page.locator('#units tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-unit'))))
              .sort()
              .join(','),
          { timeout: 15_000 },
        )
        .toBe('T2,T3');
      await page.goto(`${base}/office/run/${key}?province=${encodeURIComponent('Tỉnh 3')}`);
      expect(
        await page.locator('#units tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-unit'))),
      ).toEqual(['T3']);

      const csv = await page.request.get(`${base}/office/run/${key}/export.csv`);
      expect(csv.headers()['content-type']).toMatch(/text\/csv/);
      const text = (await csv.body()).toString('utf8');
      expect(text.startsWith('\uFEFFMã,Đơn vị,')).toBe(true);
      expect(text).toMatch(/T1,Cục THADS tỉnh Thử 1,Tỉnh 1,,"Đã báo cáo, chờ duyệt"/);

      const x = await page.request.get(`${base}/office/run/${key}/export.xlsx`);
      const file = join(inject('tmpDir'), `${key}.xlsx`);
      writeFileSync(file, await x.body());
      // Read back with an independent zip and XML reader: CRCs checked, cells where they belong.
      const sheet = execFileSync('python3', [
        '-c',
        `
import zipfile,sys,re
z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
assert '[Content_Types].xml' in z.namelist()
x=z.read('xl/worksheets/sheet1.xml').decode()
import xml.dom.minidom; xml.dom.minidom.parseString(x)
print('|'.join(re.findall(r'<t xml:space="preserve">([^<]*)</t>', x)))`,
        file,
      ]).toString();
      expect(sheet).toMatch(/^Mã\|Đơn vị\|Tỉnh\/thành/);
      expect(sheet).toContain('T2|Cục THADS tỉnh Thử 2|Tỉnh 2|Đã gửi, chờ xác nhận');
      await page.close();
    });
  });

  it('the Office answers a difficulty and extends a deadline from a unit page; a form without its CSRF token is refused', async () => {
    await s.run(async () => {
      await s.client.workflow.getHandle(unitWorkflowId(key, 'T3')).executeUpdate(raiseDifficultyUpdate, {
        args: [{ by: { channel: 'office', by: 'Văn phòng' }, text: 'Chưa có mẫu Quy chế dân chủ mới.' }],
      });
      const page = await browser.newPage();
      await login(page, `/office/run/${key}/unit/T3`);
      await page.waitForURL(`${base}/office/run/${key}/unit/T3`);
      await page.getByLabel('Trả lời').fill('Mẫu Quy chế gửi kèm Công văn số 12/VP.');
      await page.getByRole('button', { name: 'Gửi trả lời' }).click();
      await expect.poll(() => page.locator('[role=status]').textContent(), POLL).toMatch(/Đã gửi câu trả lời/);
      const answered = await waitForMails(both(ofRun(key), ofKind('difficulty-answered')), 1);
      expect(answered[0]!.to[0]!.address).toBe('t3@thads.example');
      expect(answered[0]!.text).toContain('Mẫu Quy chế gửi kèm Công văn số 12/VP.');

      const before = (await unitState(key, 'T3')).ackDeadline!;
      const day = new Date(before + 7 * 86400_000 + 7 * 3600_000).toISOString().slice(0, 10);
      await page.getByLabel('Gia hạn đến ngày').fill(day);
      await page.getByLabel('Lý do', { exact: true }).fill('Đơn vị đang sáp nhập');
      await page.getByRole('button', { name: 'Gia hạn' }).click();
      await expect.poll(() => page.locator('[role=status]').textContent(), POLL).toMatch(/Đã gia hạn/);
      expect((await unitState(key, 'T3')).ackDeadline).toBeGreaterThan(before);
      expect(await page.locator('ol.timeline').textContent()).toMatch(
        /Văn phòng gia hạn — Nguyễn Thị Văn Thư \(vanthu\)/,
      );
      await shot(page, 'office-unit');

      // The session cookie alone is not enough: a cross-site form has no CSRF token.
      const forged = await page.request.post(`${base}/office/run/${key}/recall`, { form: { reason: 'giả mạo' } });
      expect(forged.status()).toBe(403);
      expect((await s.client.workflow.getHandle(runWorkflowId(key)).query(runStatusQuery)).stop).toBeUndefined();
      await page.close();
    });
  });
});
