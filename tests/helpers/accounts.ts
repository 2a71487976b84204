import { Accounts } from '../../src/accounts/accounts';
import { FileAccountStore } from '../../src/accounts/store';
import { STAFF_ROLES } from '../../src/domain/staff-roles';

/** A password that passes the policy; each test's accounts live in its own data folder. */
export const STAFF_PASSWORD = 'Mật khẩu thử nghiệm dài';

/**
 * An account in the data folder, past its first-login password change. By default it holds every role,
 * for tests about something other than permissions.
 */
export async function staffAccount(
  dataDir: string,
  o: { login?: string; name?: string; roles?: readonly string[] } = {},
): Promise<{ login: string; name: string; password: string }> {
  const accounts = new Accounts(new FileAccountStore(dataDir));
  const login = o.login ?? 'kiemthu';
  const name = o.name ?? 'Nguyễn Văn Kiểm Thử';
  if (!(await accounts.get(login)))
    await accounts.add({ login, name, roles: o.roles ?? STAFF_ROLES }, { password: STAFF_PASSWORD });
  return { login, name, password: STAFF_PASSWORD };
}
