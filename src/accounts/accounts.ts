import type { z } from 'zod';
import { can, refusalFor, type Permission, type StaffRole } from '../domain/staff-roles';
import {
  LOCKOUT,
  loginSchema,
  newAccountSchema,
  rolesSchema,
  viewOf,
  type Account,
  type AccountView,
  type NewAccount,
} from './account';
import { DUMMY_HASH, hashPassword, passwordProblem, temporaryPassword, verifyPassword } from './password';
import { AccountRefusal, type AccountStore } from './store';

export { AccountRefusal } from './store';

/** Who acts: the account's login and name, as the audit trail records them. */
export interface Staff {
  login: string;
  name: string;
  roles: StaffRole[];
}

export const staffOf = (a: Account): Staff => ({ login: a.login, name: a.name, roles: a.roles });
/** How an act is signed in the audit trail: the name people read, the login that identifies. */
export const signature = (s: { name: string; login: string }): string => `${s.name} (${s.login})`;

export type LoginOutcome = { ok: true; account: AccountView } | { ok: false; reason: string; lockedUntil?: number };

const WRONG =
  'Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khóa (5 lần sai liên tiếp khóa 15 phút; quản trị viên mở được ngay).';
const SSO_PASSWORD = 'Tài khoản này đăng nhập qua nhà cung cấp định danh của cơ quan; mật khẩu do nơi đó quản lý.';

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new AccountRefusal(i.message, typeof i.path[0] === 'string' ? i.path[0] : undefined);
}

/**
 * The Office's accounts: creation with a temporary password, login with lockout, password changes,
 * roles and disabling. Every change that should end a person's sessions moves the account's generation.
 */
export class Accounts {
  constructor(
    private readonly store: AccountStore,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<AccountView[]> {
    return (await this.store.list()).map(viewOf);
  }

  async get(login: string): Promise<AccountView | undefined> {
    const a = await this.store.get(loginSchema.safeParse(login).data ?? '');
    return a && viewOf(a);
  }

  async empty(): Promise<boolean> {
    return (await this.store.list()).length === 0;
  }

  /**
   * A new account with a temporary password, to be changed at first login; or with a password chosen
   * here (the development stack's accounts, tests), which must pass the policy and is not forced to change.
   */
  async add(input: NewAccount, opts: { password?: string } = {}): Promise<{ account: AccountView; password: string }> {
    const n = parse(newAccountSchema, input);
    const chosen = opts.password;
    const problem = chosen === undefined ? undefined : passwordProblem(chosen, n.login);
    if (problem) throw new AccountRefusal(problem);
    const password = chosen ?? temporaryPassword();
    const passwordHash = await hashPassword(password);
    const at = new Date(this.now()).toISOString();
    const account = await this.store.update(n.login, (old) => {
      if (old) throw new AccountRefusal(`Tên đăng nhập ${n.login} đã có.`, 'login');
      const a: Account = {
        ...n,
        active: true,
        passwordHash,
        mustChangePassword: chosen === undefined,
        generation: 1,
        failedLogins: 0,
        createdAt: at,
        updatedAt: at,
      };
      return { account: a, result: a };
    });
    return { account: viewOf(account), password };
  }

  private change(login: string, f: (a: Account) => Partial<Account>): Promise<AccountView> {
    const l = parse(loginSchema, login);
    return this.store.update(l, (a) => {
      if (!a) throw new AccountRefusal(`Không có tài khoản ${l}.`);
      const next = { ...a, ...f(a), updatedAt: new Date(this.now()).toISOString() };
      return { account: next, result: viewOf(next) };
    });
  }

  setActive(login: string, active: boolean): Promise<AccountView> {
    return this.change(login, (a) => ({
      active,
      generation: a.generation + 1,
      failedLogins: 0,
      lockedUntil: undefined,
    }));
  }

  setRoles(login: string, roles: string[]): Promise<AccountView> {
    const r = parse(rolesSchema, roles);
    return this.change(login, (a) => ({ roles: r, generation: a.generation + 1 }));
  }

  /** A new temporary password (printed once), every session ended, the lockout lifted. */
  async resetPassword(login: string): Promise<{ account: AccountView; password: string }> {
    const password = temporaryPassword();
    const passwordHash = await hashPassword(password);
    const account = await this.change(login, (a) => {
      if (a.sso) throw new AccountRefusal(SSO_PASSWORD);
      return {
        passwordHash,
        mustChangePassword: true,
        generation: a.generation + 1,
        failedLogins: 0,
        lockedUntil: undefined,
      };
    });
    return { account, password };
  }

  /** Checks a login; five wrong passwords in a row lock the account for 15 minutes. */
  async login(login: string, password: string): Promise<LoginOutcome> {
    const l = loginSchema.safeParse(login).data ?? '';
    const found = l ? await this.store.get(l) : undefined;
    // The same scrypt work whether or not the account exists or has a password here (single sign-on):
    // timing does not tell which logins exist.
    const a = found && !found.sso && found.passwordHash ? found : undefined;
    const right = await verifyPassword(password, a?.passwordHash ?? DUMMY_HASH);
    if (!a) return { ok: false, reason: WRONG };
    const now = this.now();
    return this.store.update<LoginOutcome>(a.login, (cur) => {
      // A password reset or change between the check and now: the checked password is no longer it.
      if (!cur || cur.passwordHash !== a.passwordHash) return { result: { ok: false, reason: WRONG } };
      // Locked or wrong, the same answer: an answer that differed would tell which logins exist.
      if (cur.lockedUntil && cur.lockedUntil > now)
        return { result: { ok: false, reason: WRONG, lockedUntil: cur.lockedUntil } };
      if (!right) {
        const failedLogins = cur.failedLogins + 1;
        const locked = failedLogins >= LOCKOUT.failures ? now + LOCKOUT.ms : undefined;
        const next = { ...cur, failedLogins: locked ? 0 : failedLogins, lockedUntil: locked };
        return { account: next, result: { ok: false, reason: WRONG, ...(locked ? { lockedUntil: locked } : {}) } };
      }
      if (!cur.active) return { result: { ok: false, reason: 'Tài khoản đã bị khóa; hãy hỏi quản trị viên.' } };
      const next = { ...cur, failedLogins: 0, lockedUntil: undefined };
      return { account: next, result: { ok: true, account: viewOf(next) } };
    });
  }

  /**
   * A person an identity provider vouched for. Their account is made at the first login and keeps the
   * provider's name and roles at each one; disabling it here still refuses them. A provider's user can
   * never take over an account with a password here (a login already used is refused).
   */
  async signInFromProvider(p: {
    issuer: string;
    subject: string;
    login: string;
    name: string;
    roles: StaffRole[];
  }): Promise<LoginOutcome> {
    const same = (a: Account) => a.sso?.issuer === p.issuer && a.sso.subject === p.subject;
    const existing = (await this.store.list()).find(same);
    if (!p.roles.length) {
      // Roles withdrawn at the provider: withdrawn here too, and the person's open sessions end.
      if (existing?.roles.length)
        await this.store.update(existing.login, (cur) =>
          cur && same(cur)
            ? { account: { ...cur, roles: [], generation: cur.generation + 1 }, result: undefined }
            : { result: undefined },
        );
      return {
        ok: false,
        reason: 'Nhà cung cấp định danh chưa cấp vai trò nào của chidao cho tài khoản này; hãy hỏi quản trị viên.',
      };
    }
    const login = existing?.login ?? loginSchema.safeParse(p.login).data;
    if (!login)
      return {
        ok: false,
        reason: `Tên đăng nhập "${p.login.slice(0, 64)}" từ nhà cung cấp định danh không dùng được ở đây.`,
      };
    const at = new Date(this.now()).toISOString();
    return this.store.update<LoginOutcome>(login, (cur) => {
      if (cur && !same(cur))
        return {
          result: {
            ok: false,
            reason: cur.sso
              ? `Tên đăng nhập ${login} đã thuộc một người khác của nhà cung cấp định danh; quản trị viên cần đổi tên một trong hai.`
              : `Tên đăng nhập ${login} đã là một tài khoản mật khẩu ở đây; quản trị viên cần đổi tên một trong hai.`,
          },
        };
      if (cur && !cur.active) return { result: { ok: false, reason: 'Tài khoản đã bị khóa; hãy hỏi quản trị viên.' } };
      const changed = !cur || cur.roles.join() !== p.roles.join();
      const next: Account = cur
        ? {
            ...cur,
            name: p.name || cur.name,
            roles: p.roles,
            generation: cur.generation + (changed ? 1 : 0),
            updatedAt: at,
          }
        : {
            login,
            name: p.name || login,
            title: '',
            unit: '',
            roles: p.roles,
            active: true,
            passwordHash: '',
            mustChangePassword: false,
            generation: 1,
            failedLogins: 0,
            sso: { issuer: p.issuer, subject: p.subject },
            createdAt: at,
            updatedAt: at,
          };
      return { account: next, result: { ok: true, account: viewOf(next) } };
    });
  }

  /** The person's own change: the current password again, and a new one that passes the policy. */
  async changePassword(login: string, current: string, next: string): Promise<AccountView> {
    const a = await this.store.get(parse(loginSchema, login));
    if (a?.sso) throw new AccountRefusal(SSO_PASSWORD);
    if (!a || !(await verifyPassword(current, a.passwordHash)))
      throw new AccountRefusal('Mật khẩu hiện tại không đúng.');
    const problem = passwordProblem(next, a.login);
    if (problem) throw new AccountRefusal(problem);
    if (await verifyPassword(next, a.passwordHash)) throw new AccountRefusal('Mật khẩu mới phải khác mật khẩu cũ.');
    const passwordHash = await hashPassword(next);
    return this.change(a.login, (cur) => {
      // Reset or changed meanwhile: the current password checked above is no longer the current one.
      if (cur.passwordHash !== a.passwordHash)
        throw new AccountRefusal('Mật khẩu vừa được đổi hoặc đặt lại ở nơi khác; hãy đăng nhập lại.');
      return { passwordHash, mustChangePassword: false, generation: cur.generation + 1 };
    });
  }

  /** The account behind a session, if it still may act: active, and no password/role change since. */
  async current(login: string, generation: number): Promise<AccountView | undefined> {
    const a = await this.store.get(login);
    return a && a.active && a.generation === generation ? viewOf(a) : undefined;
  }

  /** An active account holding the permission, for the CLI's `--as`; a refusal that says why otherwise. */
  async actingAs(login: string | undefined, permission: Permission): Promise<Staff> {
    if (!login)
      throw new AccountRefusal(
        'Cần cho biết ai thao tác: thêm --as <tên đăng nhập> hoặc đặt CHIDAO_USER (tạo tài khoản: chidao user add).',
      );
    const a = await this.store.get(parse(loginSchema, login));
    if (!a) throw new AccountRefusal(`Không có tài khoản ${login}.`);
    if (!a.active) throw new AccountRefusal(`Tài khoản ${a.login} đã bị khóa.`);
    if (!can(a.roles, permission)) throw new AccountRefusal(refusalFor(permission));
    return staffOf(a);
  }
}
