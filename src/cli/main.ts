import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../config';
import { connectClient } from '../client/connection';
import { loadCalendarOverride, loadDirective, loadPlan } from '../files/load';
import { policiesFromConfig } from '../files/policy-config';
import { correctCommand } from './correct';
import { calendarFromConfig } from '../files/calendar-config';
import { directiveKey } from '../domain/directive';
import { NO_WORKER_NOTICE, renderPlan, renderStatus, renderUnit, renderVisibilityRows } from './render';
import { auditCommand } from './audit';
import { userCommand } from './users';
import { openAccountStore, type AccountStore } from '../accounts/store';
import { Accounts, signature } from '../accounts/accounts';
import { tokenCommand } from './tokens';
import { registryCommand, storedRegistry } from './registries';
import { webhookCommand } from './webhooks';
import type { Permission } from '../domain/staff-roles';

import { parseAt, renderCalendarApplied, renderCalendarYear } from './calendar';
import { progress } from './progress';
import { USAGE } from './usage';
import { CliError, describeError } from './errors';
import { createWebServer } from '../web/server';
import { Office, OfficeRefusal } from '../office';

export { describeError };

/** Acts that record what a unit said (the records desk); the others are the follow-up officer's. */
const RECORDED = new Set(['ack', 'report', 'address', 'resend']);

const OPTIONS = {
  registry: { type: 'string' },
  id: { type: 'string' },
  effective: { type: 'string' },
  calendar: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  overdue: { type: 'boolean' },
  by: { type: 'string' },
  as: { type: 'string' },
  text: { type: 'string' },
  file: { type: 'string' },
  reason: { type: 'string' },
  kind: { type: 'string' },
  changes: { type: 'string' },
  resend: { type: 'string' },
  due: { type: 'string' },
  until: { type: 'string' },
  note: { type: 'string' },
  key: { type: 'string' },
  keyring: { type: 'string' },
  unit: { type: 'string' },
  out: { type: 'string' },
  at: { type: 'string' },
  name: { type: 'string' },
  title: { type: 'string' },
  role: { type: 'string', multiple: true },
  event: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The run key from a directive file or a key written out (2023-4432-TCTHADS-VP). */
function runKey(arg: string | undefined): string {
  if (!arg) throw new CliError('thiếu <văn bản>: tệp công văn hoặc khóa như 2023-4432-TCTHADS-VP');
  if (existsSync(arg)) return directiveKey(loadDirective(arg).directive);
  if (/^\d{4}-\d+-[A-ZĐ0-9-]+$/.test(arg)) return arg;
  if (/^\d+\/[A-ZĐ0-9-]+$/.test(arg))
    throw new CliError(`ghi rõ năm ban hành: ví dụ ${new Date().getFullYear()}-${arg.replace('/', '-')}`);
  throw new CliError(`không hiểu <văn bản> "${arg}": dùng tệp công văn hoặc khóa như 2023-4432-TCTHADS-VP`);
}

/** A flag the user must give; its content is the Office's to judge. */
function required(name: string, value: string | undefined, what = ''): string {
  if (!value) throw new CliError(`thiếu --${name}${what ? ` <${what}>` : ''}`);
  return value;
}

/** Which flag or argument a refused input field came from: a bad one is a usage mistake (exit 2). */
const FLAG_OF: Record<string, string> = { until: '--until', due: '--due' };

/** Runs an Office act; a field that does not parse is reported as the flag it came from. */
async function act<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof OfficeRefusal && e.type === 'Invalid' && e.field) {
      if (FLAG_OF[e.field]) throw new CliError(`${FLAG_OF[e.field]}: ${e.detail}`);
      if (e.field === 'emails') throw new CliError(e.detail ?? e.message);
    }
    throw e;
  }
}

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values: o, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [cmd, ...args] = positionals;
  if (o.help || !cmd) {
    out.write(USAGE + '\n');
    return cmd || o.help ? 0 : 2;
  }
  const cfg = loadConfig();
  const print = (s: string) => out.write(s + '\n');
  let client: Client | undefined;
  const connect = async () => Office.fromConfig((client ??= await connectClient(cfg)), cfg);
  // Opened at first use and closed at the end: a PostgreSQL pool left open would hold the process.
  let accountStore: AccountStore | undefined;
  const accounts = () => new Accounts((accountStore ??= openAccountStore(cfg)));
  if (o.by !== undefined)
    throw new CliError('--by không còn dùng: mỗi việc ghi tên tài khoản làm việc đó, cho bằng --as <tên đăng nhập>');
  /** Who acts: an active account holding the act's permission, named by --as or CHIDAO_USER. */
  const actingAs = async (permission: Permission) => {
    const by = signature(await accounts().actingAs(o.as ?? cfg.CHIDAO_USER, permission));
    return { by, actor: { channel: 'office' as const, by } };
  };

  try {
    switch (cmd) {
      case 'start': {
        const file = args[0];
        if (!file) throw new CliError('thiếu tệp công văn');
        if (!o.registry) throw new CliError('thiếu --registry <danh-mục.yaml | mã danh mục đã nhập>');
        // A file by that name, else a registry imported with `chidao registry import` (its version in effect).
        const registry = existsSync(o.registry) ? o.registry : storedRegistry(cfg, o.registry);
        if (!registry)
          throw new CliError(
            `không có tệp "${o.registry}", cũng không có danh mục mã "${o.registry}" đang hiệu lực (xem: chidao registry list)`,
          );
        const cal = calendarFromConfig(cfg, o.calendar);
        if (o.at && !o['dry-run'])
          throw new CliError('--at chỉ dùng cùng --dry-run: văn bản luôn được gửi ngay khi bắt đầu');
        const at = o.at ? parseAt(o.at) : undefined;
        const now = at ?? Date.now();
        const plan = loadPlan(file, registry, { now, calendar: cal.calendar, policies: policiesFromConfig(cfg) });
        if (o['dry-run']) {
          print(renderPlan(plan, now, cal.calendar, at));
          return 0;
        }
        const { by } = await actingAs('runs.start');
        const office = await connect();
        const bar = progress(process.stderr, 'Thêm nơi nhận');
        const { workflowId, resumed } = await office.start(plan, {
          ...(cal.override ? { calendarOverride: cal.override } : {}),
          onProgress: bar.update,
          startedBy: by,
        });
        bar.done();
        print(
          `${resumed ? 'Tiếp tục' : 'Đã bắt đầu'} đợt gửi ${plan.directive.number}/${plan.directive.symbol} tới ${plan.recipients.length} nơi nhận (workflow ${workflowId}).`,
        );
        return 0;
      }
      case 'status':
      case 'overdue': {
        const key = runKey(args[0]);
        if (o.unit) {
          // One unit, with why each of its deadlines falls when it does.
          const { state, why } = await (await connect()).unitWithTimeline(key, o.unit);
          print(o.json ? JSON.stringify({ unit: state, why }, null, 2) : renderUnit(state, why));
          return 0;
        }
        // Mail health alongside: it waits up to 3 s when no worker answers.
        const table = await (await connect()).table(key);
        const health = table.mail;
        const mail = table.mailNotice;
        const shown = cmd === 'overdue' || o.overdue ? table.rows.filter((r) => r.overdue) : table.rows;
        if (!table.status) {
          // Queries need a worker; what the server itself knows still answers.
          if (o.json)
            print(JSON.stringify({ degraded: NO_WORKER_NOTICE, ...(mail ? { mail } : {}), rows: shown }, null, 2));
          else print(`${NO_WORKER_NOTICE}\n\n${mail ? `${mail}\n\n` : ''}${renderVisibilityRows(key, shown)}`);
          return 0;
        }
        const status = table.status;
        if (o.json)
          print(
            JSON.stringify(
              { status: { ...status, roster: undefined }, ...(health ? { mail: health } : {}), rows: shown },
              null,
              2,
            ),
          );
        else print(`${mail ? `${mail}\n\n` : ''}${renderStatus(status, shown, Date.now())}`);
        return 0;
      }
      case 'ack':
      case 'report':
      case 'accept':
      case 'return':
      case 'extend':
      case 'answer':
      case 'address':
      case 'resend': {
        const key = runKey(args[0]);
        const unit = args[1];
        if (!unit) throw new CliError('thiếu <mã đơn vị>');
        const { by, actor } = await actingAs(RECORDED.has(cmd) ? 'units.record' : 'units.follow-up');
        const office = await connect();
        await act(async () => {
          if (cmd === 'ack') return office.acknowledge({ key, unit, by: actor });
          if (cmd === 'report') {
            const text = required('text', o.text, 'nội dung báo cáo');
            const file = o.file
              ? { fileName: basename(o.file), sha256: createHash('sha256').update(readFileSync(o.file)).digest('hex') }
              : undefined;
            return office.report({ key, unit, by: actor, text, ...(file ? { file } : {}) });
          }
          if (cmd === 'accept') return office.accept({ key, unit, by });
          if (cmd === 'return') {
            const reason = required('reason', o.reason, 'lý do trả lại');
            return office.returnReport({ key, unit, by, reason, due: required('due', o.due) });
          }
          if (cmd === 'extend')
            return office.extend({ key, unit, by, until: required('until', o.until), reason: o.reason ?? '' });
          if (cmd === 'answer') {
            const id = Number(args[2]);
            if (!Number.isInteger(id) || id < 1) throw new CliError('thiếu <số vướng mắc> (1, 2, …)');
            return office.answer({ key, unit, by, id, text: required('text', o.text, 'nội dung trả lời') });
          }
          if (cmd === 'resend') return office.resendDispatch({ key, unit, by });
          return office.correctAddress({ key, unit, by, emails: args.slice(2) });
        });
        print(`Đã ghi nhận: ${cmd} ${unit} (${key}).`);
        return 0;
      }
      case 'recall':
      case 'close': {
        const key = runKey(args[0]);
        const { by } = await actingAs('runs.decide');
        const office = await connect();
        if (cmd === 'recall') await office.recall({ key, by, reason: required('reason', o.reason, 'lý do thu hồi') });
        else await office.close({ key, by, note: o.note ?? '' });
        print(
          cmd === 'recall'
            ? `Đã thu hồi ${key}; các đơn vị sẽ được thông báo.`
            : `Đã kết thúc ${key}; báo cáo tổng hợp sẽ được gửi.`,
        );
        return 0;
      }
      case 'correct': {
        const key = runKey(args[0]);
        const { by } = await actingAs('runs.start');
        return await correctCommand(o, { cfg, print, connect, key, by });
      }
      case 'serve': {
        const app = await createWebServer({ client: (await connect()).client, config: cfg, logger: true });
        // The address actually bound: with CHIDAO_WEB_PORT=0 the system picks the port.
        const address = await app.listen({ host: cfg.CHIDAO_WEB_HOST, port: cfg.CHIDAO_WEB_PORT });
        print(`Đang lắng nghe tại ${address}`);
        print(
          `Trang đơn vị: ${cfg.CHIDAO_PUBLIC_URL}/u/…   Bảng điều khiển Văn phòng: ${cfg.CHIDAO_PUBLIC_URL}/office${cfg.CHIDAO_SESSION_SECRET ? '' : ' (chưa bật: đặt CHIDAO_SESSION_SECRET và tạo tài khoản: chidao user add)'}`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => void app.close().then(() => resolve());
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        return 0;
      }
      case 'calendar': {
        if (args[0] === 'apply') {
          const file = args[1];
          if (!file) throw new CliError('thiếu <tệp lịch>: chidao calendar apply <tệp lịch> [<văn bản>]');
          const data = loadCalendarOverride(file);
          const { by } = await actingAs('admin');
          const office = await connect();
          const r = await office.applyCalendar({
            calendar: data,
            source: `tệp ${basename(file)}`,
            by,
            runKey: args[2] === undefined ? undefined : runKey(args[2]),
          });
          print(renderCalendarApplied(r, Object.keys(data)));
          return 0;
        }
        const year = args[0] ?? String(new Date().getFullYear());
        print(renderCalendarYear(calendarFromConfig(cfg, o.calendar).calendar, year));
        return 0;
      }
      case 'user':
        return await userCommand(args, o, accounts(), print);
      case 'registry':
        return await registryCommand(args, o, cfg, print, () => accounts().actingAs(o.as ?? cfg.CHIDAO_USER, 'admin'));
      case 'token':
        return tokenCommand(args, o, cfg, print);
      case 'webhook':
        return webhookCommand(args, o, cfg, print);
      case 'audit':
        return await auditCommand(args, o, { cfg, print, connect, runKey });
      default:
        throw new CliError(`lệnh không có: "${cmd}". Xem "chidao --help".`);
    }
  } finally {
    await client?.connection.close();
    await accountStore?.close?.();
  }
}
