import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Accounts } from '../accounts/accounts';
import { FileAccountStore } from '../accounts/store';
import { STAFF_ROLES, STAFF_ROLE_LABELS, type StaffRole } from '../domain/staff-roles';

/** One account per role on the local stack, so each role's pages can be tried: login is the role's name. */
const DEV_PEOPLE: Record<StaffRole, string> = {
  'quan-tri': 'Trần Quản Trị',
  'van-thu': 'Nguyễn Thị Văn Thư',
  'chuyen-vien': 'Lê Văn Theo Dõi',
  'lanh-dao': 'Phạm Lãnh Đạo',
  'kiem-toan': 'Hoàng Kiểm Toán',
};

export const devLogin = (role: StaffRole) => role.replace('-', '');

/**
 * Made once per data folder, like its secrets: a random password shared by the five development
 * accounts, kept beside them (mode 0600) so later starts print it again. Never used outside the local stack.
 */
export async function devAccounts(dataDir: string): Promise<{ logins: string[]; password: string }> {
  const file = join(dataDir, 'dev-accounts.json');
  const accounts = new Accounts(new FileAccountStore(dataDir));
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { logins: string[]; password: string };
  const password = `dev-${randomBytes(9).toString('base64url')}`;
  const logins: string[] = [];
  for (const role of STAFF_ROLES) {
    const login = devLogin(role);
    if (!(await accounts.get(login)))
      await accounts.add(
        { login, name: DEV_PEOPLE[role], title: STAFF_ROLE_LABELS[role], unit: 'Văn phòng', roles: [role] },
        { password },
      );
    logins.push(login);
  }
  writeFileSync(file, JSON.stringify({ logins, password }), { mode: 0o600 });
  return { logins, password };
}
