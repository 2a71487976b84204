import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { createWebServer } from '../../src/web/server';
import { Accounts } from '../../src/accounts/accounts';
import { FileAccountStore } from '../../src/accounts/store';
import { chromiumPath, CHROMIUM_ARGS } from '../helpers/browser';
import { onFreePort } from '../helpers/ports';
import { testConfig } from '../helpers/stack';
import { staffAccount } from '../helpers/accounts';
import { startProvider, type Person } from '../helpers/oidc-provider';

/**
 * Single sign-on against a real OpenID Connect provider (oidc-provider) in a real browser: roles mapped
 * from the provider's claim, an account made at the first login and kept in step after, and the
 * refusals (no role, a login taken by a password account, an account disabled here).
 */
const SHOTS = 'test-artifacts/screenshots';
const people: Record<string, Person> = {
  'lanhdao.sso': { name: 'Phạm Văn Lãnh Đạo', roles: ['VP_LanhDao', 'Email_Users'] },
  'ketoan.sso': { name: 'Người Không Vai Trò', roles: ['Email_Users'] },
  quantri: { name: 'Kẻ Mạo Danh', roles: ['VP_LanhDao'] },
};
let provider: Awaited<ReturnType<typeof startProvider>>;
let web: FastifyInstance;
let base: string;
let browser: Browser;
let connection: Connection;
let dataDir: string;
const accounts = () => new Accounts(new FileAccountStore(dataDir));

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({ connection });
  ({ web, base, provider } = await onFreePort(async (port) => {
    const base = `http://127.0.0.1:${port}`;
    const provider = await startProvider(`${base}/office/login/oidc/callback`, people);
    const config = testConfig({
      CHIDAO_PUBLIC_URL: base,
      CHIDAO_OIDC_ISSUER: provider.issuer,
      CHIDAO_OIDC_CLIENT_ID: provider.client.id,
      CHIDAO_OIDC_CLIENT_SECRET: provider.client.secret,
      CHIDAO_OIDC_ROLE_MAP: 'VP_LanhDao=lanh-dao, VP_VanThu=van-thu',
    });
    const web = await createWebServer({ client, config });
    try {
      await web.listen({ host: '127.0.0.1', port });
    } catch (e) {
      await web.close();
      await provider.close();
      throw e;
    }
    return { web, base, provider, dataDir: config.CHIDAO_DATA_DIR };
  }).then((r) => ((dataDir = r.dataDir), r)));
  // A password account whose login a provider user must not take over.
  await staffAccount(dataDir, { login: 'quantri', roles: ['quan-tri'] });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await provider?.close();
  await connection?.close();
});

/** From our login page through the provider's own pages (its development login and consent) and back. */
async function signIn(login: string, shots = false): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${base}/office/login?next=%2Foffice`);
  await page.getByRole('link', { name: 'Đăng nhập bằng tài khoản của cơ quan' }).click();
  await page.waitForURL(`${provider.issuer}/**`);
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('bat-ky');
  if (shots) await page.screenshot({ path: join(SHOTS, 'oidc-provider-login.png'), fullPage: true });
  await page.locator('button[type=submit]').click();
  // The provider asks consent the first time a person uses this client.
  await page.waitForURL((u) => u.href.startsWith(base) || /consent|interaction/.test(u.href));
  if (!page.url().startsWith(base)) await page.locator('button[type=submit]').click();
  await page.waitForURL((u) => u.href.startsWith(base));
  return page;
}

/** A login through the provider, stopped when the provider sends the browser back: its callback URL and state cookie. */
async function stoppedAtCallback(login: string): Promise<{ url: string; cookie: string }> {
  const page = await browser.newPage();
  let url = '';
  // Playwright's routes do not see a redirect's request; Chromium's own Fetch domain does.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Fetch.enable', {
    patterns: [{ urlPattern: '*/office/login/oidc/callback*', requestStage: 'Request' }],
  });
  cdp.on('Fetch.requestPaused', (e: { requestId: string; request: { url: string } }) => {
    url = e.request.url;
    void cdp.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'Aborted' });
  });
  await page.goto(`${base}/office/login`);
  await page.getByRole('link', { name: 'Đăng nhập bằng tài khoản của cơ quan' }).click();
  await page.waitForURL(`${provider.issuer}/**`);
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('bat-ky');
  await page.locator('button[type=submit]').click();
  await expect
    .poll(
      async () => {
        if (url) return url;
        // The provider's consent page, the first time.
        if (page.url().startsWith(provider.issuer) && (await page.locator('button[type=submit]').count()))
          await page
            .locator('button[type=submit]')
            .click()
            .catch(() => undefined);
        return url;
      },
      { timeout: 15_000, interval: 200 },
    )
    .not.toBe('');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'chidao_oidc')!.value;
  await page.close();
  return { url, cookie };
}

describe('single sign-on (OpenID Connect)', () => {
  it("a leader logs in through the office's provider: the account is made with the mapped role and reaches the runs", async () => {
    const page = await signIn('lanhdao.sso', true);
    await page.waitForURL(`${base}/office`);
    expect(await page.locator('header').textContent()).toContain('Phạm Văn Lãnh Đạo (lanhdao.sso)');
    expect(await page.getByRole('link', { name: 'Đổi mật khẩu' }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'oidc-logged-in.png'), fullPage: true });
    expect(await accounts().get('lanhdao.sso')).toMatchObject({
      name: 'Phạm Văn Lãnh Đạo',
      roles: ['lanh-dao'],
      active: true,
      sso: { issuer: provider.issuer, subject: 'lanhdao.sso' },
    });
    await page.close();
  });

  it('roles moved at the provider follow at the next login; the old session ends with the change', async () => {
    const first = await signIn('lanhdao.sso');
    await first.waitForURL(`${base}/office`);
    const before = (await accounts().get('lanhdao.sso'))!.generation;
    people['lanhdao.sso'] = { name: 'Phạm Văn Lãnh Đạo', roles: ['VP_LanhDao', 'VP_VanThu'] };
    try {
      const second = await signIn('lanhdao.sso');
      await second.waitForURL(`${base}/office`);
      expect(await accounts().get('lanhdao.sso')).toMatchObject({
        roles: ['lanh-dao', 'van-thu'],
        generation: before + 1,
      });
      await first.reload();
      expect(first.url()).toMatch(/\/office\/login\?next=/);
      await second.close();
    } finally {
      people['lanhdao.sso'] = { name: 'Phạm Văn Lãnh Đạo', roles: ['VP_LanhDao', 'Email_Users'] };
      await first.close();
    }
  });

  it('a person the provider gives no chidao role, or whose login is a password account here, is refused', async () => {
    const none = await signIn('ketoan.sso');
    expect(await none.locator('[role=alert]').textContent()).toContain(
      'Nhà cung cấp định danh chưa cấp vai trò nào của chidao cho tài khoản này',
    );
    expect(await accounts().get('ketoan.sso')).toBeUndefined();
    await none.close();
    const taken = await signIn('quantri');
    expect(await taken.locator('[role=alert]').textContent()).toContain(
      'Tên đăng nhập quantri đã là một tài khoản mật khẩu ở đây',
    );
    expect(await accounts().get('quantri')).toMatchObject({ roles: ['quan-tri'] });
    expect((await accounts().get('quantri'))?.sso).toBeUndefined();
    await taken.close();
  });

  it('an account disabled here is refused even though the provider vouches for it', async () => {
    await (await signIn('lanhdao.sso')).close();
    await accounts().setActive('lanhdao.sso', false);
    try {
      const page = await signIn('lanhdao.sso');
      expect(await page.locator('[role=alert]').textContent()).toContain('Tài khoản đã bị khóa');
      await page.close();
    } finally {
      await accounts().setActive('lanhdao.sso', true);
    }
  });

  it("a callback replayed with another browser's state, or a state cookie not signed by us, is refused", async () => {
    // Two logins stopped at the callback: each a real code and the state cookie its browser was given.
    const a = await stoppedAtCallback('lanhdao.sso');
    const b = await stoppedAtCallback('lanhdao.sso');
    const callback = (url: string, cookie: string) =>
      web.inject({ method: 'GET', url: url.slice(base.length), cookies: { chidao_oidc: cookie } });
    const crossed = await callback(b.url, a.cookie);
    expect(crossed.statusCode).toBe(401);
    expect(crossed.cookies.find((c) => c.name === 'chidao_session')).toBeUndefined();
    // The same code with its own browser's state works: the refusal above was the state's.
    const own = await callback(b.url, b.cookie);
    expect(own.statusCode).toBe(200);
    expect(own.cookies.find((c) => c.name === 'chidao_session')).toBeDefined();
    // A state cookie written by hand (not sealed with our secret) is not read at all.
    const forged = JSON.stringify({ verifier: 'v'.repeat(43), state: 'khac', nonce: 'n', next: '/office' });
    const r = await callback(a.url, forged);
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('Phiên đăng nhập một lần đã hết hạn');
    expect(r.cookies.find((c) => c.name === 'chidao_session')).toBeUndefined();
  });
});
