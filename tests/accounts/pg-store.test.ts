import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { Accounts } from '../../src/accounts/accounts';
import { LOCKOUT } from '../../src/accounts/account';
import { PgAccountStore } from '../../src/accounts/store';
import { configSchema } from '../../src/config';
import { createWebServer } from '../../src/web/server';
import { chidao } from '../helpers/cli';
import { injectLogin } from '../helpers/inject';

/**
 * Accounts in PostgreSQL (CHIDAO_ACCOUNT_STORE=postgres), on the throwaway cluster the global setup starts:
 * every server of an Office shares them. Logins are drawn at random, so tests share the table safely.
 */
const GOOD = 'Công văn 4432 đã tới nơi';
const stores: PgAccountStore[] = [];
const store = () => {
  const st = PgAccountStore.fromUrl(inject('pgUrl'));
  stores.push(st);
  return st;
};
const fresh = (prefix: string) => `${prefix}.${randomBytes(4).toString('hex')}`;
const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

describe('accounts in PostgreSQL', () => {
  it('an account made by one server logs in on another; a lockout and a disabling are seen by both', async () => {
    const one = new Accounts(store());
    const two = new Accounts(store());
    const login = fresh('vanthu');
    const { account } = await one.add({ login, name: 'Nguyễn Thị Văn Thư', roles: ['van-thu'] }, { password: GOOD });
    expect((await two.list()).map((a) => a.login)).toContain(login);
    expect(await two.login(login, GOOD)).toMatchObject({ ok: true, account: { login, roles: ['van-thu'] } });
    for (let i = 0; i < LOCKOUT.failures; i++) await (i % 2 ? one : two).login(login, `sai-${i}`);
    expect(await one.login(login, GOOD)).toMatchObject({ ok: false, lockedUntil: expect.any(Number) });
    expect(await two.current(login, account.generation)).toBeDefined();
    await one.setActive(login, false);
    expect(await two.current(login, account.generation)).toBeUndefined();
    await expect(two.actingAs(login, 'runs.start')).rejects.toThrow(`Tài khoản ${login} đã bị khóa.`);
  });

  it('wrong passwords tried at once through two servers are each counted: no change is lost', async () => {
    const a = store();
    const b = store();
    const login = fresh('cv');
    await new Accounts(a).add({ login, name: 'Chuyên viên', roles: ['chuyen-vien'] }, { password: GOOD });
    const tries = LOCKOUT.failures - 1;
    await Promise.all(Array.from({ length: tries }, (_, i) => new Accounts(i % 2 ? a : b).login(login, `sai-${i}`)));
    expect((await a.get(login))?.failedLogins).toBe(tries);
    // Two servers creating the same login at once: one account, one refusal.
    const twin = fresh('trung');
    const made = await Promise.allSettled(
      [a, b].map((st) => new Accounts(st).add({ login: twin, name: 'Trùng', roles: ['van-thu'] })),
    );
    expect(made.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('chidao user add and the dashboard login use PostgreSQL when configured, writing no accounts file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chidao-pg-accounts-'));
    Object.assign(process.env, {
      CHIDAO_DATA_DIR: dataDir,
      CHIDAO_ACCOUNT_STORE: 'postgres',
      CHIDAO_AUDIT_PG_URL: inject('pgUrl'),
    });
    const login = fresh('quantri');
    const added = await chidao('user', 'add', login, '--name', 'Trần Quản Trị', '--role', 'quan-tri');
    expect(added.code, added.out).toBe(0);
    const temporary = /Mật khẩu tạm của [^:]+: (\S+)/.exec(added.out)![1]!;
    const listed = JSON.parse((await chidao('user', 'list', '--json')).out) as { login: string }[];
    expect(listed.map((a) => a.login)).toContain(login);
    expect(existsSync(join(dataDir, 'accounts.json'))).toBe(false);

    const config = configSchema.parse({
      CHIDAO_DATA_DIR: dataDir,
      CHIDAO_LINK_SECRET: randomBytes(32).toString('hex'),
      CHIDAO_SESSION_SECRET: randomBytes(32).toString('hex'),
      CHIDAO_ACCOUNT_STORE: 'postgres',
      CHIDAO_ACCOUNT_PG_URL: inject('pgUrl'),
    });
    const web = await createWebServer({
      client: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
      config,
    });
    try {
      // The temporary password opens a session that must change it first.
      const cookie = await injectLogin(web, { login, password: temporary });
      const page = await web.inject({ method: 'GET', url: '/office', cookies: { chidao_session: cookie } });
      expect(page.headers.location).toBe('/office/password');
    } finally {
      await web.close();
    }
  });
});
