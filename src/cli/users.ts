import type { Accounts } from '../accounts/accounts';
import type { AccountView } from '../accounts/account';
import { STAFF_ROLES, roleNames } from '../domain/staff-roles';
import { CliError } from './errors';

const line = (a: AccountView) =>
  [
    a.login.padEnd(20),
    a.name.padEnd(28),
    roleNames(a.roles).padEnd(30),
    a.active ? (a.mustChangePassword ? 'chờ đổi mật khẩu' : 'hoạt động') : 'đã khóa',
  ].join(' ');

/**
 * `chidao user …`: the administrator's tool at the server. Whoever can run it can read the data folder
 * anyway, so it asks for no login; the web's account pages (for quan-tri) are the way for everyone else.
 */
export async function userCommand(
  args: string[],
  o: { name?: string; title?: string; unit?: string; role?: string[]; json?: boolean },
  accounts: Accounts,
  print: (s: string) => void,
): Promise<number> {
  const [sub, login, ...rest] = args;
  const need = () => {
    if (!login) throw new CliError(`thiếu <tên đăng nhập>: chidao user ${sub} <tên đăng nhập>`);
    return login;
  };
  const temporary = (a: AccountView, password: string) =>
    print(
      `Mật khẩu tạm của ${a.login} (${a.name}): ${password}\n` +
        'Trao riêng cho người dùng; lần đăng nhập đầu tiên sẽ phải đổi mật khẩu.',
    );
  switch (sub) {
    case 'add': {
      if (!o.name) throw new CliError('thiếu --name <họ tên>');
      if (!o.role?.length) throw new CliError(`thiếu --role <vai trò> (một hoặc nhiều: ${STAFF_ROLES.join(', ')})`);
      const { account, password } = await accounts.add({
        login: need(),
        name: o.name,
        title: o.title ?? '',
        unit: o.unit ?? '',
        roles: o.role,
      });
      print(`Đã tạo tài khoản ${account.login} — ${roleNames(account.roles)}.`);
      temporary(account, password);
      return 0;
    }
    case 'list': {
      const all = await accounts.list();
      if (o.json) print(JSON.stringify(all, null, 2));
      else if (!all.length)
        print('Chưa có tài khoản nào. Tạo quản trị viên: chidao user add <tên> --name … --role quan-tri');
      else print(all.map(line).join('\n'));
      return 0;
    }
    case 'disable':
    case 'enable': {
      const a = await accounts.setActive(need(), sub === 'enable');
      print(
        sub === 'enable'
          ? `Đã mở lại tài khoản ${a.login}.`
          : `Đã khóa tài khoản ${a.login}; các phiên đang mở của người này đã kết thúc.`,
      );
      return 0;
    }
    case 'reset-password': {
      const { account, password } = await accounts.resetPassword(need());
      temporary(account, password);
      return 0;
    }
    case 'roles': {
      const roles = [...rest, ...(o.role ?? [])];
      if (!roles.length) throw new CliError(`thiếu <vai trò>…: chidao user roles <tên đăng nhập> van-thu chuyen-vien`);
      const a = await accounts.setRoles(need(), roles);
      print(`Vai trò của ${a.login}: ${roleNames(a.roles)}.`);
      return 0;
    }
    default:
      throw new CliError('dùng: chidao user add|list|disable|enable|reset-password|roles …');
  }
}
