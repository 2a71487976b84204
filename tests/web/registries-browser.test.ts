import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { loadRegistry } from '../../src/files/load';
import { registryToTable } from '../../src/domain/registry-table';
import { Registries } from '../../src/registries/registries';
import { xlsx } from '../../src/web/xlsx';
import { offlineWebServer } from '../helpers/web-stack';
import { staffAccount } from '../helpers/accounts';
import { chromiumPath, CHROMIUM_ARGS } from '../helpers/browser';

/**
 * An administrator keeps the registry from the browser alone, in Chromium: uploads a spreadsheet with a
 * mistake and sees where it is, uploads it mended, reads what it changes, activates it, and corrects one
 * unit's head. The pages never reach Temporal (a lazy client to nowhere); the store is a real data folder.
 */
const SHOTS = 'test-artifacts/screenshots';
const POLL = { timeout: 15_000, interval: 200 };
const example = loadRegistry('examples/units-thads-2023.yaml');
let web: FastifyInstance;
let base: string;
let browser: Browser;
let dataDir: string;
let admin: { login: string; password: string };

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'chidao-registries-browser-'));
  ({ web } = await offlineWebServer(dataDir));
  base = await web.listen({ host: '127.0.0.1', port: 0 });
  admin = await staffAccount(dataDir, { login: 'quantri', name: 'Trần Quản Trị', roles: ['quan-tri'] });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe('registries in the browser', () => {
  it('an administrator imports a spreadsheet (a mistake first), activates it and corrects one head', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/office/login`);
    await page.getByLabel('Tên đăng nhập').fill(admin.login);
    await page.getByLabel('Mật khẩu').fill(admin.password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('link', { name: 'Danh mục' }).click();
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Danh mục đơn vị');

    const rows = registryToTable(example);
    rows[4]![2] = 'khong-phai-email';
    const form = page.locator('form[action^="/office/registries"]');
    await form.getByLabel('Tệp danh mục (.yaml, .csv, .xlsx)').setInputFiles({
      name: 'don-vi-2023.xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      buffer: xlsx('Đơn vị', rows),
    });
    await form.getByLabel('Mã danh mục').fill('thads-2023');
    await form.getByLabel('Tên danh mục').fill(example.name);
    await form.getByLabel('Hiệu lực từ ngày (YYYY-MM-DD)').fill('2023-01-01');
    await form.getByRole('button', { name: 'Nhập và xem thay đổi' }).click();
    const alert = page.locator('#file-error');
    await expect.poll(() => alert.textContent(), POLL).toContain('don-vi-2023.xlsx: dòng 5, cột C (Email)');
    // What was typed is still there; only the file must be chosen again.
    expect(await page.getByLabel('Mã danh mục').inputValue()).toBe('thads-2023');
    expect(await page.getByLabel('Hiệu lực từ ngày (YYYY-MM-DD)').inputValue()).toBe('2023-01-01');
    await shot(page, 'registries-import-error');

    rows[4]![2] = example.units[3]!.emails[0]!;
    await page.getByLabel('Tệp danh mục (.yaml, .csv, .xlsx)').setInputFiles({
      name: 'don-vi-2023.xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      buffer: xlsx('Đơn vị', rows),
    });
    await page.getByRole('button', { name: 'Nhập và xem thay đổi' }).click();
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe(`${example.name} — hiệu lực từ 2023-01-01`);
    expect(await page.locator('main').textContent()).toContain(`${example.units.length} thêm`);
    await shot(page, 'registries-version-pending');

    await page.getByRole('button', { name: 'Kích hoạt phiên bản này' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent(), POLL).toContain('Đã kích hoạt');
    expect(await page.locator('main p strong').first().textContent()).toBe('Đang hiệu lực');

    await page.getByLabel('Tìm đơn vị (mã, tên, email, thủ trưởng)').fill('TCCB');
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await page.getByRole('link', { name: 'TCCB', exact: true }).click();
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Sửa đơn vị TCCB');
    await shot(page, 'registries-unit-edit');
    const head = page.locator('fieldset', { hasText: 'Thủ trưởng' });
    await head.getByLabel('Họ tên').fill('Đỗ Thị Mới');
    await head.getByLabel('Email').fill('dothimoi@thads.example');
    await page.getByRole('button', { name: 'Lưu' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent(), POLL).toContain('Đã lưu đơn vị');
    expect(Registries.inDataDir(dataDir).contacts('thads-2023', 'TCCB')?.head).toEqual({
      name: 'Đỗ Thị Mới',
      title: example.units.find((u) => u.code === 'TCCB')!.head!.title,
      email: 'dothimoi@thads.example',
    });
    await page.close();
  });
});
