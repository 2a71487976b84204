import type { Config } from '../config';
import { ApiTokens } from '../accounts/api-tokens';
import { roleNames } from '../domain/staff-roles';
import { CliError } from './errors';

/** `chidao token …`: the administrator's keys for other systems (the JSON API), at the server. */
export function tokenCommand(
  args: string[],
  o: { name?: string; role?: string[]; json?: boolean },
  cfg: Config,
  print: (s: string) => void,
): number {
  const [sub, id] = args;
  const tokens = new ApiTokens(cfg.CHIDAO_DATA_DIR);
  switch (sub) {
    case 'add': {
      const { token, secret } = tokens.add(o.name ?? '', o.role ?? []);
      print(`Đã tạo khóa API ${token.id} cho "${token.name}" — ${roleNames(token.roles)}.`);
      print(`Khóa (chỉ hiện một lần; hệ thống gửi kèm "Authorization: Bearer <khóa>"):\n${secret}`);
      return 0;
    }
    case 'list': {
      const all = tokens.list();
      if (o.json) print(JSON.stringify(all, null, 2));
      else if (!all.length) print('Chưa có khóa API nào. Tạo: chidao token add --name "<hệ thống>" --role <vai trò>');
      else
        print(
          all
            .map((t) =>
              [
                t.id,
                t.name.padEnd(30),
                roleNames(t.roles).padEnd(30),
                t.revokedAt ? `đã thu hồi ${t.revokedAt}` : 'dùng được',
              ].join(' '),
            )
            .join('\n'),
        );
      return 0;
    }
    case 'revoke': {
      if (!id) throw new CliError('thiếu <mã khóa>: chidao token revoke <mã khóa>');
      const t = tokens.revoke(id);
      print(`Đã thu hồi khóa API ${t.id} ("${t.name}"); mọi yêu cầu dùng nó bị từ chối từ bây giờ.`);
      return 0;
    }
    default:
      throw new CliError('dùng: chidao token add --name <hệ thống> --role <vai trò>… | list | revoke <mã khóa>');
  }
}
