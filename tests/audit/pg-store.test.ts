import { describe, expect, inject, it } from 'vitest';
import { PgAuditStore } from '../../src/audit/pg-store';
import { act, describeAuditStore } from './store-conformance';

/** The PostgreSQL store, on the throwaway cluster the global setup starts. */
describeAuditStore('postgres', () => ({ store: PgAuditStore.fromUrl(inject('pgUrl')), where: inject('pgUrl') }));

describe('PostgreSQL store is append-only', () => {
  it('refuses to change or delete a record', async () => {
    const store = PgAuditStore.fromUrl(inject('pgUrl'));
    const runKey = `run-${Math.random()}`;
    await store.append(act(runKey, 'x'));
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: inject('pgUrl') });
    await c.connect();
    await expect(c.query("UPDATE chidao_audit SET hash = 'x' WHERE run_key = $1", [runKey])).rejects.toThrow(
      /append-only/,
    );
    await expect(c.query('DELETE FROM chidao_audit WHERE run_key = $1', [runKey])).rejects.toThrow(/append-only/);
    await c.end();
    await store.close();
  });
});
