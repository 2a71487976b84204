import { join } from 'node:path';
import type { Config } from '../config';
import { digestSigner } from './digest';
import { FileAuditStore } from './file-store';
import { loadSigningKey } from './keys';
import { PgAuditStore } from './pg-store';
import { SigningAuditStore } from './signing-store';
import type { AuditStore } from './store';

export function openAuditStore(config: Config): AuditStore {
  if (config.CHIDAO_AUDIT_STORE === 'postgres') {
    if (!config.CHIDAO_AUDIT_PG_URL)
      throw new Error('CHIDAO_AUDIT_STORE=postgres cần CHIDAO_AUDIT_PG_URL (postgres://user:pass@host:5432/db)');
    return PgAuditStore.fromUrl(config.CHIDAO_AUDIT_PG_URL);
  }
  return new FileAuditStore(join(config.CHIDAO_DATA_DIR, 'audit'));
}

export const DIGESTS_OFF_NOTICE =
  'Chữ ký số sổ kiểm toán đang TẮT (chưa đặt CHIDAO_AUDIT_SIGNING_KEY): ai ghi được vào sổ có thể viết lại ' +
  'bản ghi cùng cả chuỗi băm mà không bị chữ ký phát hiện. Tạo khóa: chidao audit keygen --key <tệp khóa riêng> ' +
  '--keyring <tệp khóa công khai>, rồi đặt CHIDAO_AUDIT_SIGNING_KEY.';

/**
 * The worker's audit writer: the store, signing digests of each chain when a key is configured. The key
 * is read once here (a wrong path stops the worker at start) and again at each digest, so a rotation
 * takes effect without a restart. Without a key, `notice` says that digests are off.
 */
export function openAuditWriter(
  config: Config,
  store: AuditStore = openAuditStore(config),
  onError?: (e: unknown, runKey: string) => void,
): { store: AuditStore; notice?: string } {
  const path = config.CHIDAO_AUDIT_SIGNING_KEY;
  if (!path) return { store, notice: DIGESTS_OFF_NOTICE };
  loadSigningKey(path);
  const signer = digestSigner(() => loadSigningKey(path));
  const policy = {
    everyRecords: config.CHIDAO_AUDIT_DIGEST_EVERY,
    intervalMs: config.CHIDAO_AUDIT_DIGEST_INTERVAL_SECONDS * 1000,
    ...(onError ? { onError } : {}),
  };
  return { store: new SigningAuditStore(store, signer, policy) };
}
