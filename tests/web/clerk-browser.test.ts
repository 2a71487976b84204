import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { staffAccount } from '../helpers/accounts';
import type { Stack } from '../helpers/stack';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { uniqueNumber } from '../helpers/fixtures';
import { listeningStack } from '../helpers/web-stack';
import { chromiumPath, CHROMIUM_ARGS } from '../helpers/browser';

/**
 * The Office's work from the browser alone, in Chromium: an administrator creates a clerk and an officer;
 * the clerk, at first login, sets a password, fills the new-run form (a field refused first), previews and
 * starts; a unit downloads the very PDF from its page and acknowledges and reports through its links; the
 * officer finds the report in "Việc cần làm" and accepts it; the clerk cannot open the officer's page.
 */
const SHOTS = 'test-artifacts/screenshots';
const POLL = { timeout: 15_000, interval: 200 };
let s: Stack;
let web: FastifyInstance;
let base: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ s, web, base } = await listeningStack({ CHIDAO_REGISTRY_FILE: 'examples/units-thads-2023.yaml' }));
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await s?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function login(page: Page, login: string, password: string) {
  await page.goto(`${base}/office/login`);
  await page.getByLabel('Tên đăng nhập').fill(login);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
}

/** The administrator adds an account; the page shows its temporary password once. */
async function addAccount(page: Page, login: string, name: string, role: string): Promise<string> {
  await page.goto(`${base}/office/accounts`);
  const form = page.locator('form[action="/office/accounts"]');
  await form.getByLabel('Tên đăng nhập (chữ không dấu, số, . - _)').fill(login);
  await form.getByLabel('Họ tên').fill(name);
  await form.getByLabel(role).check();
  await form.getByRole('button', { name: 'Tạo tài khoản' }).click();
  const code = page.locator('[role=status] code');
  await expect.poll(() => code.count(), POLL).toBe(1);
  return (await code.textContent())!.trim();
}

/** First login with the temporary password: the person sets their own before anything else. */
async function firstLogin(page: Page, login: string, temporary: string, own: string) {
  await (async () => {
    await page.goto(`${base}/office/login`);
    await page.getByLabel('Tên đăng nhập').fill(login);
    await page.getByLabel('Mật khẩu').fill(temporary);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
  })();
  await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Đổi mật khẩu');
  await page.getByLabel('Mật khẩu hiện tại').fill(temporary);
  await page.getByLabel(/^Mật khẩu mới/).fill(own);
  await page.getByLabel('Nhập lại mật khẩu mới').fill(own);
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
  await expect.poll(() => page.url(), POLL).not.toContain('/office/password');
}

describe('a clerk who has never seen a terminal', () => {
  it('disseminates a signed PDF from the browser, and an officer follows it to the accepted report', async () => {
    const admin = await staffAccount(s.config.CHIDAO_DATA_DIR, {
      login: 'quantri',
      name: 'Quản Trị',
      roles: ['quan-tri'],
    });
    const adminPage = await browser.newPage();
    await login(adminPage, admin.login, admin.password);
    const clerkTemp = await addAccount(adminPage, 'vanthu.moi', 'Lê Thị Văn Thư', 'Văn thư');
    const officerTemp = await addAccount(adminPage, 'chuyenvien.moi', 'Phạm Văn Chuyên', 'Chuyên viên theo dõi');
    await adminPage.close();

    const clerk = await (await browser.newContext()).newPage();
    await firstLogin(clerk, 'vanthu.moi', clerkTemp, 'một cụm mật khẩu dài của văn thư');
    await clerk.goto(`${base}/office/runs/new`);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n% công văn đã ký số\n'), randomBytes(3000)]);
    const number = uniqueNumber();
    await clerk.getByLabel('Tệp PDF (hoặc DOCX, ODT) đã ký').setInputFiles({
      name: 'Công văn số ký.pdf',
      mimeType: 'application/pdf',
      buffer: pdf,
    });
    const fill = async (label: string | RegExp, value: string) => clerk.getByLabel(label, { exact: true }).fill(value);
    await fill('Số', String(number));
    await fill('Ký hiệu', 'TCTHADS-VP');
    await fill('Ngày ban hành', '2023-11-22');
    await fill('Nơi ban hành', 'Hà Nội');
    await fill('Trích yếu', 'hướng dẫn, đôn đốc triển khai thi hành Luật thực hiện dân chủ ở cơ sở');
    await fill('Cơ quan ban hành', 'Tổng cục Thi hành án dân sự');
    await fill('Mã cơ quan ban hành', 'TCTHADS');
    await clerk.getByLabel('Đơn vị soạn thảo (nhận báo cáo, vướng mắc và tổng hợp)').selectOption('VP');
    await fill('Các nhiệm vụ', '1. Quán triệt Luật Thực hiện dân chủ ở cơ sở.\n2. Báo cáo kết quả về Văn phòng.');
    await clerk.getByLabel('Thẩm quyền ký').selectOption('KT.');
    await fill('Chức vụ người ký', 'Phó Tổng cục trưởng');
    await fill('Họ tên người ký', 'Nguyễn Văn Sơn');
    await fill('Đầu mối liên hệ', 'Văn phòng Tổng cục');
    await clerk.getByLabel('Các đơn vị thuộc Tổng cục (9 đơn vị)', { exact: true }).check();
    await fill('Báo cáo phải gửi (tên)', 'Báo cáo kết quả triển khai');
    await fill('Hạn báo cáo', '15 ngày làm việc');
    // A slip first: a deadline the form cannot read.
    await fill('Hạn xác nhận đã nhận', 'tuần sau');
    await clerk.getByRole('button', { name: 'Xem trước' }).click();
    await expect
      .poll(() => clerk.locator('#ackDue-error').textContent(), POLL)
      .toMatch(/^Hạn xác nhận: hạn không hợp lệ "tuần sau"/);
    await shot(clerk, 'new-run-form-refused');
    // Nothing lost: the typed fields, the tick and the uploaded file (not asked for again).
    expect(await clerk.getByLabel('Họ tên người ký', { exact: true }).inputValue()).toBe('Nguyễn Văn Sơn');
    expect(await clerk.getByLabel('Các đơn vị thuộc Tổng cục (9 đơn vị)', { exact: true }).isChecked()).toBe(true);
    expect(await clerk.locator('.hint', { hasText: 'Đã tải lên: Công văn số ký.pdf' }).count()).toBe(1);

    await fill('Hạn xác nhận đã nhận', '2 ngày làm việc');
    await clerk.getByRole('button', { name: 'Xem trước' }).click();
    await expect.poll(() => clerk.getByRole('button', { name: 'Bắt đầu gửi' }).count(), POLL).toBe(1);
    await shot(clerk, 'new-run-form-preview');
    await clerk.getByRole('button', { name: 'Bắt đầu gửi' }).click();
    const key = `2023-${number}-TCTHADS-VP`;
    await expect.poll(() => clerk.url(), POLL).toContain(`/office/run/${key}`);

    // A unit of the group: its email carries the PDF; its page serves the same bytes.
    const [mail] = await waitForMails(
      both(ofRun(key), ofKind('dispatch'), (m) => m.to[0]!.address === 'tccb@thads.example'),
      1,
    );
    const link = (action: string) => new RegExp(`(http\\S+/u/${action}\\?t=[A-Za-z0-9_.-]+)`).exec(mail!.text)![1]!;
    const unit = await (await browser.newContext()).newPage();
    await unit.goto(link('status'));
    const download = unit.waitForEvent('download');
    await unit.getByRole('link', { name: 'Công văn số ký.pdf' }).click();
    const file = await (await download).createReadStream();
    const hash = createHash('sha256');
    for await (const c of file) hash.update(c as Buffer);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(pdf).digest('hex'));
    await unit.goto(link('acknowledge'));
    await unit.getByRole('button', { name: 'Xác nhận đã nhận văn bản' }).click();
    await expect.poll(() => unit.locator('[role=status]').textContent(), POLL).toMatch(/Đã ghi nhận/);
    await unit.goto(link('report'));
    await unit.getByLabel('Nội dung báo cáo').fill('Vụ đã quán triệt Luật tới toàn thể công chức.');
    await unit.getByRole('button', { name: 'Gửi báo cáo' }).click();
    await expect.poll(() => unit.locator('[role=status]').textContent(), POLL).toMatch(/Văn phòng đã nhận báo cáo/);

    // The officer: "Việc cần làm" lists the report; accepting it ends the unit's follow-up.
    const officer = await (await browser.newContext()).newPage();
    await firstLogin(officer, 'chuyenvien.moi', officerTemp, 'một cụm mật khẩu dài của chuyên viên');
    await officer.goto(`${base}/office/work`);
    const row = officer.locator('tr[data-kind="report"][data-unit="TCCB"]');
    await expect.poll(() => row.count(), POLL).toBe(1);
    await shot(officer, 'work-queue-report');
    await row.getByRole('link', { name: /Vụ Tổ chức cán bộ/ }).click();
    await officer.getByRole('button', { name: 'Chấp nhận báo cáo' }).click();
    await expect
      .poll(
        async () => (await s.client.workflow.getHandle(unitWorkflowId(key, 'TCCB')).query(unitStateQuery)).stage,
        POLL,
      )
      .toBe('done');

    // The clerk has no business there: the page says whose work it is.
    const refused = await clerk.goto(`${base}/office/work`);
    expect(refused?.status()).toBe(403);
    expect(await clerk.locator('[role=alert]').textContent()).toMatch(/Chuyên viên theo dõi/);
  });
});
