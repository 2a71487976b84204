import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { configSchema } from '../../src/config';
import { createWebServer } from '../../src/web/server';
import { Accounts } from '../../src/accounts/accounts';
import { FileAccountStore } from '../../src/accounts/store';
import { staffAccount, STAFF_PASSWORD } from '../helpers/accounts';
import { cookieOf, injectLogin, postLogin } from '../helpers/inject';

/**
 * The administrator's account pages through `app.inject`. They never reach Temporal: the client is a
 * lazy connection to nowhere, so these run without the test servers.
 */
let web: FastifyInstance;
let dataDir: string;
let admin: string;
const accounts = () => new Accounts(new FileAccountStore(dataDir));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chidao-accounts-web-'));
  const config = configSchema.parse({
    CHIDAO_DATA_DIR: dataDir,
    CHIDAO_LINK_SECRET: randomBytes(32).toString('hex'),
    CHIDAO_SESSION_SECRET: randomBytes(32).toString('hex'),
  });
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  web = await createWebServer({ client, config });
  admin = await injectLogin(
    web,
    await staffAccount(dataDir, { login: 'quantri', name: 'Trần Quản Trị', roles: ['quan-tri'] }),
  );
});
afterAll(async () => {
  await web?.close();
});

/** A page every live session reaches without Temporal: the person's own password form. */
const PAGE = '/office/password';
const get = (url: string, cookie = admin) => web.inject({ method: 'GET', url, cookies: { chidao_session: cookie } });
async function post(url: string, payload: Record<string, string | string[]>, cookie = admin) {
  const csrf = /name="csrf" value="([^"]+)"/.exec((await get(PAGE, cookie)).body)![1]!;
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries({ csrf, ...payload }))
    for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  return web.inject({
    method: 'POST',
    url,
    cookies: { chidao_session: cookie },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  });
}

describe("the administrator's account pages", () => {
  it('creates a clerk with two roles and shows the temporary password once; the clerk must change it', async () => {
    const r = await post('/office/accounts', {
      login: 'VanThu.Moi',
      name: 'Nguyễn Thị Văn Thư',
      title: 'Văn thư',
      unit: 'Văn phòng',
      roles: ['van-thu', 'chuyen-vien'],
    });
    expect(r.statusCode).toBe(200);
    const password =
      /Mật khẩu tạm của <strong>vanthu\.moi<\/strong> \(Nguyễn Thị Văn Thư\): <code>([^<]+)<\/code>/.exec(r.body)?.[1];
    expect(password).toHaveLength(16);
    expect(await accounts().get('vanthu.moi')).toMatchObject({
      roles: ['van-thu', 'chuyen-vien'],
      mustChangePassword: true,
      title: 'Văn thư',
    });
    // Not shown again on the list.
    expect((await get('/office/accounts')).body).not.toContain(password!);
    const login = await postLogin(web, { login: 'vanthu.moi', password: password! });
    expect(login.headers.location).toBe('/office/password');
  });

  it('a field error is shown beside its field, in Vietnamese, with everything typed kept', async () => {
    const r = await post('/office/accounts', {
      login: 'có dấu',
      name: 'Lê Văn Sai',
      title: 'Chuyên viên',
      unit: 'Phòng Tổng hợp',
      roles: ['chuyen-vien'],
    });
    expect(r.statusCode).toBe(422);
    expect(r.body).toMatch(/id="login"[^>]*aria-invalid="true"/);
    expect(r.body).toContain('<p class="field-error" id="login-error">Tên đăng nhập gồm 2–64 ký tự');
    for (const kept of ['value="có dấu"', 'value="Lê Văn Sai"', 'value="Chuyên viên"', 'value="Phòng Tổng hợp"'])
      expect(r.body).toContain(kept);
    expect(r.body).toMatch(/value="chuyen-vien"\s+checked/);
    // Over the limit: refused beside the field, not cut short.
    const long = await post('/office/accounts', { login: 'dai.qua', name: 'N'.repeat(201), roles: ['van-thu'] });
    expect(long.statusCode).toBe(422);
    expect(long.body).toContain('<p class="field-error" id="name-error">Họ tên dài quá 200 ký tự.</p>');
    expect(long.body).toContain(`value="${'N'.repeat(201)}"`);
    expect(await accounts().get('dai.qua')).toBeUndefined();
    const noRole = await post('/office/accounts', { login: 'khongvaitro', name: 'Không Vai Trò' });
    expect(noRole.statusCode).toBe(422);
    expect(noRole.body).toContain('<p class="field-error" id="roles-error">Cần ít nhất một vai trò.</p>');
    const taken = await post('/office/accounts', { login: 'quantri', name: 'Trùng', roles: ['van-thu'] });
    expect(taken.body).toContain('<p class="field-error" id="login-error">Tên đăng nhập quantri đã có.</p>');
    expect((await accounts().list()).map((a) => a.login)).not.toContain('khongvaitro');
  });

  it("disabling ends the person's open session at once; enabling lets them log in again", async () => {
    const who = await staffAccount(dataDir, { login: 'chuyenvien', roles: ['chuyen-vien'] });
    const session = await injectLogin(web, who);
    expect((await get(PAGE, session)).statusCode).toBe(200);
    const r = await post('/office/accounts/chuyenvien/disable', {});
    expect(r.headers.location).toBe('/office/accounts?done=disable');
    expect((await get(PAGE, session)).statusCode).toBe(303);
    expect((await get('/office/accounts?done=disable')).body).toContain('Đã khóa tài khoản');
    await post('/office/accounts/chuyenvien/enable', {});
    expect((await get(PAGE, await injectLogin(web, who))).statusCode).toBe(200);
  });

  it('roles change from the page; a reset gives a new temporary password and the old one stops working', async () => {
    await staffAccount(dataDir, { login: 'lanhdao', roles: ['lanh-dao'] });
    await post('/office/accounts/lanhdao/roles', { roles: ['lanh-dao', 'kiem-toan'] });
    expect((await accounts().get('lanhdao'))?.roles).toEqual(['lanh-dao', 'kiem-toan']);
    const reset = await post('/office/accounts/lanhdao/reset', {});
    expect(reset.body).toMatch(/Mật khẩu tạm của <strong>lanhdao<\/strong>/);
    expect(await accounts().login('lanhdao', STAFF_PASSWORD)).toMatchObject({ ok: false });
  });

  it('an administrator cannot lock themselves out from the page', async () => {
    // Whatever the spelling of the login in the URL: the store trims and lowercases it.
    for (const [action, spelling] of [
      ['disable', 'quantri'],
      ['reset', 'QuanTri'],
      ['roles', '%20quantri'],
      ['roles', 'QUANTRI%20'],
    ]) {
      const r = await post(`/office/accounts/${spelling}/${action}`, { roles: ['van-thu'] });
      expect(r.statusCode, `${action} ${spelling}`).toBe(422);
      expect(r.body).toContain('Không tự khóa, tự đặt lại mật khẩu hay tự đổi vai trò của mình ở đây.');
    }
    expect(await accounts().get('quantri')).toMatchObject({ active: true, roles: ['quan-tri'] });
  });

  it('only an administrator reaches the account pages: others get 403 and create or change nothing', async () => {
    const clerk = await injectLogin(
      web,
      await staffAccount(dataDir, { login: 'vanthu2', roles: ['van-thu', 'lanh-dao'] }),
    );
    expect((await get('/office/accounts', clerk)).statusCode).toBe(403);
    expect((await get(PAGE, clerk)).body).not.toContain('href="/office/accounts"');
    expect((await get(PAGE)).body).toContain('href="/office/accounts"');
    const r = await post('/office/accounts', { login: 'leo-thang', name: 'Leo Thang', roles: ['quan-tri'] }, clerk);
    expect(r.statusCode).toBe(403);
    expect(r.body).toContain('việc này cần vai trò Quản trị');
    expect(await accounts().get('leo-thang')).toBeUndefined();
    // Nor may it disable, reset or re-role anyone, itself included.
    await staffAccount(dataDir, { login: 'nan-nhan', roles: ['chuyen-vien'] });
    for (const [target, action] of [
      ['nan-nhan', 'disable'],
      ['nan-nhan', 'reset'],
      ['vanthu2', 'roles'],
      ['nan-nhan', 'enable'],
    ]) {
      const x = await post(`/office/accounts/${target}/${action}`, { roles: ['quan-tri'] }, clerk);
      expect(x.statusCode, `${target} ${action}`).toBe(403);
    }
    expect(await accounts().get('nan-nhan')).toMatchObject({
      active: true,
      roles: ['chuyen-vien'],
      mustChangePassword: false,
    });
    expect((await accounts().get('vanthu2'))?.roles).toEqual(['van-thu', 'lanh-dao']);
    // Without a session at all: to the login page, nothing read.
    const anon = await web.inject({ method: 'GET', url: '/office/accounts' });
    expect(anon.statusCode).toBe(303);
    expect(cookieOf(anon, 'chidao_session')).toBeUndefined();
  });
});

describe('single sign-on settings', () => {
  const base = { CHIDAO_LINK_SECRET: randomBytes(32).toString('hex') };
  it('a half-set provider, or one over plain http on another host, stops the server at start', async () => {
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const start = (env: Record<string, string>) =>
      createWebServer({
        client,
        config: configSchema.parse({
          ...base,
          CHIDAO_DATA_DIR: dataDir,
          CHIDAO_SESSION_SECRET: randomBytes(32).toString('hex'),
          ...env,
        }),
      });
    await expect(start({ CHIDAO_OIDC_ISSUER: 'https://sso.example.gov.vn' })).rejects.toThrow(
      'Đăng nhập một lần (OpenID Connect) cần đủ CHIDAO_OIDC_ISSUER, CHIDAO_OIDC_CLIENT_ID và CHIDAO_OIDC_CLIENT_SECRET.',
    );
    await expect(
      start({
        CHIDAO_OIDC_ISSUER: 'http://sso.example.gov.vn',
        CHIDAO_OIDC_CLIENT_ID: 'chidao',
        CHIDAO_OIDC_CLIENT_SECRET: 's',
      }),
    ).rejects.toThrow('CHIDAO_OIDC_ISSUER phải là địa chỉ https');
  });
});
