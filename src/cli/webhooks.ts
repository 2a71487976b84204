import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config';
import { Subscriptions } from '../webhooks/subscriptions';
import { deliveryLogFile } from '../activities/webhooks';
import { CliError } from './errors';

/** `chidao webhook …`: the administrator's list of systems told of each event, at the server. */
export function webhookCommand(
  args: string[],
  o: { event?: string[]; json?: boolean },
  cfg: Config,
  print: (s: string) => void,
): number {
  const [sub, arg] = args;
  const subs = new Subscriptions(cfg.CHIDAO_DATA_DIR);
  switch (sub) {
    case 'add': {
      if (!arg) throw new CliError('thiếu <url>: chidao webhook add https://… [--event acknowledged …]');
      const s = subs.add(arg, o.event ?? []);
      print(`Đã đăng ký ${s.id}: ${s.url} — ${s.events.length ? s.events.join(', ') : 'mọi sự kiện'}.`);
      print(`Khóa ký (chỉ hiện một lần; bên nhận kiểm tra chữ ký theo Standard Webhooks):\n${s.secret}`);
      return 0;
    }
    case 'list': {
      const all = subs.list().map(({ secret: _, ...s }) => s);
      if (o.json) print(JSON.stringify(all, null, 2));
      else if (!all.length) print('Chưa đăng ký địa chỉ nhận sự kiện nào.');
      else
        print(
          all
            .map((s) => `${s.id} ${s.url} ${s.events.join(',') || '*'}${s.removedAt ? ` (đã gỡ ${s.removedAt})` : ''}`)
            .join('\n'),
        );
      return 0;
    }
    case 'remove': {
      if (!arg) throw new CliError('thiếu <mã>: chidao webhook remove <mã>');
      const s = subs.remove(arg);
      print(`Đã gỡ ${s.id} (${s.url}); các lần gửi còn chờ sẽ bỏ qua.`);
      return 0;
    }
    case 'log': {
      const file = deliveryLogFile(cfg.CHIDAO_DATA_DIR);
      const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
      const shown = lines.filter((l) => !arg || l.includes(`"subscription":"${arg}"`)).slice(-50);
      print(shown.length ? shown.join('\n') : 'Chưa có lần gửi nào.');
      return 0;
    }
    default:
      throw new CliError('dùng: chidao webhook add <url> [--event <loại>…] | list | remove <mã> | log [<mã>]');
  }
}
