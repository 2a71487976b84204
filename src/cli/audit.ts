import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Office } from '../office';
import { loadBundle, replayBundle, verifyBundle } from '../audit/commands';
import { generateSigningKey, readKeyring, rotateSigningKey, type Keyring } from '../audit/keys';
import { openAuditStore } from '../audit/open-store';
import { renderTimeline, timeline } from '../audit/timeline';
import { writeEvidencePack } from '../audit/pack';
import { workflowsPath } from '../workflows-path';
import { CliError } from './errors';

export interface AuditFlags {
  key?: string | undefined;
  keyring?: string | undefined;
  unit?: string | undefined;
  out?: string | undefined;
}

interface Io {
  cfg: Config;
  print: (s: string) => void;
  connect: () => Promise<Office>;
  /** The run key from a directive file or a key written out. */
  runKey: (arg: string | undefined) => string;
}

function keyPaths(o: AuditFlags, cfg: Config): { key: string; keyring: string } {
  const key = o.key ?? cfg.CHIDAO_AUDIT_SIGNING_KEY;
  const keyring = o.keyring ?? cfg.CHIDAO_AUDIT_KEYRING;
  if (!key) throw new CliError('thiếu --key <tệp khóa riêng> (hoặc CHIDAO_AUDIT_SIGNING_KEY)');
  if (!keyring) throw new CliError('thiếu --keyring <tệp khóa công khai> (hoặc CHIDAO_AUDIT_KEYRING)');
  return { key, keyring };
}

/** The auditor's keyring: the one given, else the configured one if it exists. */
function keyringOf(o: AuditFlags, cfg: Config): Keyring | undefined {
  if (o.keyring) return readKeyring(o.keyring);
  const path = cfg.CHIDAO_AUDIT_KEYRING;
  return path && existsSync(path) ? readKeyring(path) : undefined;
}

/** `chidao audit export|replay|verify|keygen|rotate|pack`. */
export async function auditCommand(args: string[], o: AuditFlags, io: Io): Promise<number> {
  const { cfg, print, connect } = io;
  const [sub, target, folder] = args;
  if (sub === 'keygen' || sub === 'rotate') {
    const { key, keyring } = keyPaths(o, cfg);
    if (sub === 'keygen') {
      const k = generateSigningKey(key, keyring);
      print(`Đã tạo khóa ký ${k.keyId}: khóa riêng ${key} (chỉ máy ghi sổ giữ), khóa công khai thêm vào ${keyring}.`);
    } else {
      const { retired, added } = rotateSigningKey(key, keyring);
      print(
        `Đã thay khóa ký: ${retired.keyId} hết hiệu lực từ ${retired.validUntil}, khóa mới ${added.keyId} ở ${key}. ` +
          `Gửi lại ${keyring} cho kiểm toán viên; khóa riêng cũ đã bị ghi đè, đừng giữ bản sao.`,
      );
    }
    return 0;
  }
  if (sub === 'export') {
    const key = io.runKey(target);
    if (!folder) throw new CliError('thiếu <thư mục> để xuất');
    const store = openAuditStore(cfg);
    try {
      const n = await (await connect()).exportAudit(store, key, folder);
      print(`Đã xuất ${n.histories} lịch sử workflow và ${n.records} bản ghi kiểm toán của ${key} vào ${folder}.`);
      // Without digests `verify` says so itself; the worker said so at start.
      if (n.digests)
        print(
          `Kèm ${n.digests} chữ ký số của chuỗi bản ghi (digests.jsonl); kiểm bằng: chidao audit verify ${folder} --keyring <tệp khóa công khai>`,
        );
    } finally {
      await store.close();
    }
    return 0;
  }
  if (sub !== 'replay' && sub !== 'verify' && sub !== 'pack')
    throw new CliError('dùng: chidao audit export|replay|verify|pack|keygen|rotate …');
  if (!target) throw new CliError('thiếu <thư mục|văn bản>');
  const where = existsSync(target) && !target.endsWith('.yaml') ? target : io.runKey(target);
  const bundle = await loadBundle(
    where,
    async () => (await connect()).client as Client,
    () => openAuditStore(cfg),
  );
  if (sub === 'replay') {
    const results = await replayBundle(bundle, { workflowsPath });
    const bad = results.filter((r) => !r.ok);
    print(renderTimeline(timeline(bundle.histories)));
    print(
      `\nĐã chạy lại ${results.length} lịch sử: ${results.length - bad.length} khớp, ${bad.length} không tất định.`,
    );
    for (const b of bad) print(`KHÔNG TẤT ĐỊNH ${b.workflowId}: ${b.error}`);
    return bad.length ? 1 : 0;
  }
  const keyring = keyringOf(o, cfg);
  if (sub === 'pack') {
    if (!o.out) throw new CliError('thiếu --out <tệp.pdf>');
    const unit = o.unit;
    if (unit && !bundle.records.some((r) => r.unit === unit))
      throw new CliError(`đơn vị ${unit} không có trong đợt gửi ${bundle.runKey} (không có bản ghi nào của nó)`);
    const pack = await writeEvidencePack(bundle, { out: o.out, ...(o.unit ? { unit: o.unit } : {}), keyring });
    print(`Đã lập hồ sơ chứng cứ ${o.unit ? `của đơn vị ${o.unit}` : 'của đợt gửi'}: ${o.out} (${pack.pages} trang).`);
    return 0;
  }
  const findings = verifyBundle(bundle, keyring);
  const errors = findings.filter((f) => f.level === 'error');
  for (const f of findings) print(`${f.level === 'error' ? 'LỖI' : 'LƯU Ý'} [${f.kind}] ${f.message}`);
  const digests = bundle.digests?.length ?? 0;
  const signed = !digests
    ? 'không có chữ ký số'
    : keyring
      ? `${digests} chữ ký số hợp lệ`
      : `${digests} chữ ký số chưa kiểm (thiếu --keyring)`;
  print(
    errors.length
      ? `\n${errors.length} lỗi: bản ghi kiểm toán KHÔNG đáng tin.`
      : `${findings.length ? '\n' : ''}Chuỗi ${bundle.records.length} bản ghi hợp lệ; khớp với ${bundle.histories.length} lịch sử workflow; ${signed}.`,
  );
  return errors.length ? 1 : 0;
}
