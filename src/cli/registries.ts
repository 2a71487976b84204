import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Config } from '../config';
import type { Staff } from '../accounts/accounts';
import { Registries, VERSION_STATE_LABEL, type RegistryVersion, type VersionDiff } from '../registries/registries';
import { diffSummary } from '../domain/registry-diff';
import { REGISTRY_COLUMNS, registryToTable } from '../domain/registry-table';
import type { Registry } from '../domain/registry';
import { csv, xlsx } from '../web/xlsx';
import { vnDateTime } from '../domain/vn-format';
import { CliError } from './errors';

export const openRegistries = (cfg: Config) => Registries.inDataDir(cfg.CHIDAO_DATA_DIR);

/** The registry runs are sent to: a YAML file, or the id of a stored registry (its version in effect). */
export function storedRegistry(cfg: Config, id: string): Registry | undefined {
  const r = openRegistries(cfg);
  const v = r.store.inEffect(id);
  return v && r.store.load(v.id, v.effective);
}

const versionLine = (v: RegistryVersion & { state?: keyof typeof VERSION_STATE_LABEL }) =>
  [
    v.id.padEnd(16),
    v.effective,
    `${v.units} đơn vị`.padStart(12),
    (v.state ? VERSION_STATE_LABEL[v.state] : '').padEnd(28),
    v.name,
  ].join('  ');

/** What a new version changes, unit by unit: the lines an administrator reads before activating. */
export function renderDiff({ diff, against }: VersionDiff): string {
  const lines = [
    `So với ${against ? `phiên bản hiệu lực từ ${against.effective}` : 'danh mục trống'}: ${diffSummary(diff)}.`,
  ];
  for (const u of diff.added) lines.push(`  + ${u.code}  ${u.name}`);
  for (const u of diff.removed) lines.push(`  - ${u.code}  ${u.name}`);
  for (const u of diff.renamed) lines.push(`  ~ ${u.code}  tên: ${u.from} → ${u.to}`);
  for (const u of diff.addresses) lines.push(`  ~ ${u.code}  email: ${u.from.join(', ')} → ${u.to.join(', ')}`);
  for (const u of diff.people)
    lines.push(
      `  ~ ${u.code}  ${u.who === 'head' ? 'thủ trưởng' : 'lãnh đạo phụ trách'}: ${u.from?.name ?? '(không có)'}${u.from?.email ? ` <${u.from.email}>` : ''} → ${u.to?.name ?? '(không có)'}${u.to?.email ? ` <${u.to.email}>` : ''}`,
    );
  for (const u of diff.placement) lines.push(`  ~ ${u.code}  đổi ${u.fields.join(', ')}`);
  return lines.join('\n');
}

/** Writes rows as CSV or XLSX, by the extension of `out`. */
function writeTable(out: string, rows: string[][]): void {
  const ext = extname(out).toLowerCase();
  if (ext === '.xlsx') writeFileSync(out, xlsx('Đơn vị', rows));
  else if (ext === '.csv') writeFileSync(out, csv(rows));
  else throw new CliError('--out phải là tệp .csv hoặc .xlsx');
}

/**
 * `chidao registry …`: import, list, show, diff, activate, template, export. Changes are the administrator's
 * (an account with quan-tri, by --as or CHIDAO_USER); reading needs no account, as for `chidao user list`.
 */
export async function registryCommand(
  args: string[],
  o: { id?: string; name?: string; effective?: string; out?: string; json?: boolean },
  cfg: Config,
  print: (s: string) => void,
  actingAs: () => Promise<Staff>,
): Promise<number> {
  const [sub, a1, a2] = args;
  const r = openRegistries(cfg);
  const need = (v: string | undefined, what: string) => {
    if (!v) throw new CliError(`thiếu ${what}: chidao registry ${sub} ${what}`);
    return v;
  };
  switch (sub) {
    case 'import': {
      const file = need(a1, '<tệp danh mục>');
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new CliError(`không đọc được ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const by = await actingAs();
      const out = r.import(
        bytes,
        basename(file),
        {
          ...(o.id ? { id: o.id } : {}),
          ...(o.name ? { name: o.name } : {}),
          ...(o.effective ? { effective: o.effective } : {}),
        },
        by,
      );
      const v = out.version;
      print(`Đã nhập danh mục ${v.id} hiệu lực từ ${v.effective}: ${v.units} đơn vị (chưa kích hoạt).`);
      print(renderDiff(out));
      print(`Kích hoạt: chidao registry activate ${v.id} ${v.effective}`);
      return 0;
    }
    case 'list': {
      const all = r.list();
      if (o.json) print(JSON.stringify(all, null, 2));
      else if (!all.length) print('Chưa có danh mục nào. Nhập: chidao registry import <tệp .yaml|.csv|.xlsx>');
      else print(all.map(versionLine).join('\n'));
      return 0;
    }
    case 'show': {
      const { version, registry, state } = r.show(need(a1, '<mã danh mục>'), a2 ?? o.effective);
      if (o.json) {
        print(JSON.stringify({ version: { ...version, state }, registry }, null, 2));
        return 0;
      }
      print(versionLine({ ...version, state }));
      if (version.activatedBy) print(`Kích hoạt: ${vnDateTime(version.activatedAt!)} bởi ${version.activatedBy}`);
      print(`Nhập từ ${version.source}: ${vnDateTime(version.importedAt)} bởi ${version.importedBy}\n`);
      for (const u of registry.units)
        print(
          `${u.code.padEnd(14)} ${u.name}  <${u.emails.join(', ')}>${u.head ? `  thủ trưởng: ${u.head.name}` : ''}${u.leader ? `  lãnh đạo: ${u.leader.name}` : ''}`,
        );
      return 0;
    }
    case 'diff':
      print(renderDiff(r.diff(need(a1, '<mã danh mục>'), need(a2, '<mã danh mục> <ngày hiệu lực>'))));
      return 0;
    case 'activate': {
      const v = r.activate(need(a1, '<mã danh mục>'), need(a2, '<mã danh mục> <ngày hiệu lực>'), await actingAs());
      const state = r.stateOf(v);
      print(
        state === 'in-effect'
          ? `Đã kích hoạt: danh mục ${v.id} hiệu lực từ ${v.effective} là danh mục các đợt gửi mới dùng.`
          : `Đã kích hoạt: danh mục ${v.id} sẽ có hiệu lực từ ${v.effective}.`,
      );
      return 0;
    }
    case 'template': {
      const out = o.out ?? need(undefined, '--out <mẫu.csv|mẫu.xlsx>');
      writeTable(out, [REGISTRY_COLUMNS.map((c) => c.title), REGISTRY_COLUMNS.map((c) => c.hint)]);
      print(`Đã ghi mẫu ${out}: dòng 1 là tiêu đề cột, dòng 2 là hướng dẫn (xóa trước khi nhập).`);
      return 0;
    }
    case 'export': {
      const out = o.out ?? need(undefined, '--out <tệp.csv|tệp.xlsx>');
      const { version, registry } = r.show(need(a1, '<mã danh mục>'), a2 ?? o.effective);
      writeTable(out, registryToTable(registry));
      print(`Đã ghi ${registry.units.length} đơn vị của ${version.id} (hiệu lực từ ${version.effective}) vào ${out}.`);
      return 0;
    }
    default:
      throw new CliError(
        `lệnh không có: "registry ${sub ?? ''}". Dùng: import, list, show, diff, activate, template, export.`,
      );
  }
}
