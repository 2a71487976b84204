import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../../src/accounts/accounts';
import { FileAccountStore, type AccountStore } from '../../src/accounts/store';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/accounts/password';
import { parseRoleMap, rolesFromClaim } from '../../src/accounts/provider-roles';

const GOOD = 'Công văn 4432 đã tới nơi';

function accounts(start = Date.UTC(2026, 11, 7, 8)) {
  const dir = mkdtempSync(join(tmpdir(), 'chidao-accounts-'));
  const clock = { now: start };
  const store = new FileAccountStore(dir);
  return { a: new Accounts(store, () => clock.now), store, clock, dir };
}

describe('passwords', () => {
  it('are stored as scrypt hashes that verify the password and nothing else', async () => {
    const h = await hashPassword(GOOD);
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(h).not.toContain('4432');
    expect(await verifyPassword(GOOD, h)).toBe(true);
    expect(await verifyPassword(`${GOOD} `, h)).toBe(false);
    // Two hashes of one password differ (their salts do).
    expect(await hashPassword(GOOD)).not.toBe(h);
  });

  it('refuses short, common, repetitive and login-bearing passwords, in Vietnamese', () => {
    expect(passwordProblem('ngan-qua')).toBe('Mật khẩu cần ít nhất 12 ký tự.');
    expect(passwordProblem('qwerty123456')).toMatch(/quá phổ biến/);
    expect(passwordProblem('QWERTY123456')).toMatch(/quá phổ biến/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toMatch(/dễ đoán/);
    expect(passwordProblem('vanthu.hn-2026-mat', 'vanthu.hn')).toBe('Mật khẩu không được chứa tên đăng nhập.');
    expect(passwordProblem(GOOD, 'vanthu.hn')).toBeUndefined();
  });
});

describe('accounts', () => {
  it('a new account gets a temporary password, must change it, and the file holds no password (mode 0600)', async () => {
    const { a, store } = accounts();
    const { account, password } = await a.add({
      login: ' VanThu.HN ',
      name: ' Nguyễn Thị Văn Thư ',
      roles: ['van-thu'],
    });
    expect(account).toMatchObject({
      login: 'vanthu.hn',
      name: 'Nguyễn Thị Văn Thư',
      roles: ['van-thu'],
      active: true,
      mustChangePassword: true,
    });
    expect(account).not.toHaveProperty('passwordHash');
    expect(password).toHaveLength(16);
    const file = readFileSync(store.file, 'utf8');
    expect(file).not.toContain(password);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect((await a.login('vanthu.hn', password)).ok).toBe(true);
    await expect(a.add({ login: 'vanthu.hn', name: 'Người khác', roles: ['van-thu'] })).rejects.toThrow(
      'Tên đăng nhập vanthu.hn đã có.',
    );
  });

  it('refuses a bad login name, an unknown role and a missing name, saying which', async () => {
    const { a } = accounts();
    await expect(a.add({ login: 'có dấu', name: 'A', roles: ['van-thu'] })).rejects.toThrow(/Tên đăng nhập gồm 2–64/);
    await expect(a.add({ login: 'ab', name: 'A', roles: ['thu-ky'] })).rejects.toThrow(
      /Vai trò không có; các vai trò: quan-tri, van-thu/,
    );
    await expect(a.add({ login: 'ab', name: '  ', roles: ['van-thu'] })).rejects.toThrow('Cần họ tên.');
    expect(await a.list()).toEqual([]);
  });

  it('five wrong passwords lock the account for 15 minutes, even against the right one; then it opens', async () => {
    const { a, clock } = accounts();
    const { password } = await a.add({ login: 'cv1', name: 'Chuyên viên', roles: ['chuyen-vien'] });
    const wrong = (await a.login('khong-co', password)) as { reason: string };
    expect(wrong.reason).toMatch(/^Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khóa/);
    for (let i = 1; i <= 4; i++) expect(await a.login('cv1', `sai-${i}`)).toEqual({ ok: false, reason: wrong.reason });
    const fifth = await a.login('cv1', 'sai-5');
    expect(fifth).toEqual({ ok: false, reason: wrong.reason, lockedUntil: clock.now + 15 * 60_000 });
    // Locked: the right password is refused with the very same answer as a wrong one or an unknown login.
    expect(await a.login('cv1', password)).toMatchObject({ ok: false, reason: wrong.reason });
    clock.now += 15 * 60_000 + 1;
    expect(await a.login('cv1', password)).toMatchObject({ ok: true, account: { login: 'cv1' } });
  });

  it('disabling, a role change, a reset and a password change each end the sessions made before', async () => {
    const { a } = accounts();
    const { account, password } = await a.add({ login: 'ld', name: 'Lãnh đạo', roles: ['lanh-dao'] });
    let gen = account.generation;
    expect(await a.current('ld', gen)).toBeDefined();
    for (const step of [
      () => a.setActive('ld', false),
      () => a.setActive('ld', true),
      () => a.setRoles('ld', ['lanh-dao', 'kiem-toan']),
    ]) {
      const next = await step();
      expect(await a.current('ld', gen)).toBeUndefined();
      gen = next.generation;
    }
    expect((await a.current('ld', gen))?.roles).toEqual(['lanh-dao', 'kiem-toan']);
    const changed = await a.changePassword('ld', password, GOOD);
    expect(changed.mustChangePassword).toBe(false);
    expect(await a.current('ld', gen)).toBeUndefined();
    gen = changed.generation;
    const reset = await a.resetPassword('ld');
    expect(reset.account.mustChangePassword).toBe(true);
    expect(await a.current('ld', gen)).toBeUndefined();
    expect(await a.current('ld', reset.account.generation)).toBeDefined();
    expect(await a.login('ld', GOOD)).toMatchObject({ ok: false });
    expect(await a.login('ld', reset.password)).toMatchObject({ ok: true });
  });

  it('a disabled account cannot log in, even with its password', async () => {
    const { a } = accounts();
    const { password } = await a.add({ login: 'kt', name: 'Kiểm toán', roles: ['kiem-toan'] });
    await a.setActive('kt', false);
    expect(await a.login('kt', password)).toEqual({
      ok: false,
      reason: 'Tài khoản đã bị khóa; hãy hỏi quản trị viên.',
    });
  });

  it('a password change needs the current password and a new one that passes the policy', async () => {
    const { a } = accounts();
    // A login no random temporary password (base64url) can contain: "chứa tên đăng nhập" never fires by chance.
    const login = 'van.thu.tinh';
    const { password } = await a.add({ login, name: 'Văn thư', roles: ['van-thu'] });
    await expect(a.changePassword(login, 'sai', GOOD)).rejects.toThrow('Mật khẩu hiện tại không đúng.');
    await expect(a.changePassword(login, password, 'qwerty123456')).rejects.toThrow(/quá phổ biến/);
    await a.changePassword(login, password, GOOD);
    expect(await a.login(login, GOOD)).toMatchObject({ ok: true, account: { mustChangePassword: false } });
    await expect(a.changePassword(login, GOOD, GOOD)).rejects.toThrow('Mật khẩu mới phải khác mật khẩu cũ.');
  });

  it('a login or a password change checked just before a reset lands does not outlive the reset', async () => {
    const { store } = accounts();
    // Another process's reset, landing between this process's password check and its write.
    let between: (() => Promise<unknown>) | undefined;
    const interleaved: AccountStore = {
      list: () => store.list(),
      get: (l) => store.get(l),
      update: async (l, change) => {
        const f = between;
        between = undefined;
        await f?.();
        return store.update(l, change);
      },
    };
    const a = new Accounts(interleaved);
    await a.add({ login: 'dua.tranh', name: 'Người Bị Lộ', roles: ['van-thu'] }, { password: GOOD });
    const other = await hashPassword('Mật khẩu do người khác đặt');
    between = () =>
      store.update('dua.tranh', (cur) => ({
        account: { ...cur!, passwordHash: other, generation: cur!.generation + 1 },
        result: undefined,
      }));
    expect(await a.login('dua.tranh', GOOD)).toMatchObject({ ok: false });
    expect((await store.get('dua.tranh'))!.passwordHash).toBe(other);
    // The same for a change: refused rather than undoing the reset.
    await new Accounts(store).changePassword('dua.tranh', 'Mật khẩu do người khác đặt', GOOD);
    between = () =>
      store.update('dua.tranh', (cur) => ({
        account: { ...cur!, passwordHash: other, generation: cur!.generation + 1 },
        result: undefined,
      }));
    await expect(a.changePassword('dua.tranh', GOOD, 'Một cụm từ khác hẳn')).rejects.toThrow(
      'Mật khẩu vừa được đổi hoặc đặt lại ở nơi khác',
    );
    expect((await store.get('dua.tranh'))!.passwordHash).toBe(other);
  });

  it('acting as someone needs a login, an active account and a role holding the permission', async () => {
    const { a } = accounts();
    await a.add({ login: 'vt', name: 'Nguyễn Văn Thư', roles: ['van-thu'] });
    await expect(a.actingAs(undefined, 'units.record')).rejects.toThrow(/--as <tên đăng nhập> hoặc đặt CHIDAO_USER/);
    await expect(a.actingAs('khong-co', 'units.record')).rejects.toThrow('Không có tài khoản khong-co.');
    await expect(a.actingAs('vt', 'runs.decide')).rejects.toThrow(
      'Tài khoản không có quyền thu hồi hoặc kết thúc đợt gửi; việc này cần vai trò Lãnh đạo.',
    );
    expect(await a.actingAs('VT', 'units.record')).toEqual({ login: 'vt', name: 'Nguyễn Văn Thư', roles: ['van-thu'] });
    await a.setActive('vt', false);
    await expect(a.actingAs('vt', 'units.record')).rejects.toThrow('Tài khoản vt đã bị khóa.');
  });
});

describe("roles from an identity provider's claim", () => {
  it('maps the listed roles, ignores the rest, and reads arrays or space/comma lists', () => {
    const map = parseRoleMap('VP_LanhDao=lanh-dao, VP_VanThu = van-thu');
    expect(rolesFromClaim(['VP_LanhDao', 'Email_Users', 'VP_LanhDao'], map)).toEqual(['lanh-dao']);
    expect(rolesFromClaim('VP_VanThu VP_LanhDao', map)).toEqual(['van-thu', 'lanh-dao']);
    expect(rolesFromClaim('quan-tri,kiem-toan')).toEqual(['quan-tri', 'kiem-toan']);
    // Without a map, only our own role names count; with one, our names alone grant nothing.
    expect(rolesFromClaim(['quan-tri'], map)).toEqual([]);
    expect(rolesFromClaim(42)).toEqual([]);
  });

  it('a role map naming a role we do not have is refused, naming the pair', () => {
    expect(() => parseRoleMap('VP_LanhDao=giam-doc')).toThrow(
      'CHIDAO_OIDC_ROLE_MAP: "VP_LanhDao=giam-doc" cần dạng <vai trò ở nhà cung cấp>=<vai trò chidao>',
    );
    expect(parseRoleMap('  ')).toBeUndefined();
  });
});
