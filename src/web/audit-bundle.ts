import type { AuditBundle } from '../audit/commands';
import type { WebDeps } from './context';

/** A run's histories and audit records, read now, with the store opened for this request only. */
export async function auditBundleOf(deps: WebDeps, key: string): Promise<AuditBundle> {
  const store = deps.audit.store();
  try {
    return await deps.office.auditBundle(store, key);
  } finally {
    await store.close();
  }
}
