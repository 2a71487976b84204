import { join } from 'node:path';
import type { Config } from '../config';
import { FileAuditStore } from './file-store';
import { PgAuditStore } from './pg-store';
import type { AuditStore } from './store';

export function openAuditStore(config: Config): AuditStore {
  if (config.CHIDAO_AUDIT_STORE === 'postgres') {
    if (!config.CHIDAO_AUDIT_PG_URL)
      throw new Error('CHIDAO_AUDIT_STORE=postgres cần CHIDAO_AUDIT_PG_URL (postgres://user:pass@host:5432/db)');
    return PgAuditStore.fromUrl(config.CHIDAO_AUDIT_PG_URL);
  }
  return new FileAuditStore(join(config.CHIDAO_DATA_DIR, 'audit'));
}
