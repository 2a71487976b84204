import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { digestSigner } from '../../src/audit/digest';
import { generateSigningKey, loadSigningKey } from '../../src/audit/keys';
import { PgAuditStore } from '../../src/audit/pg-store';
import { act, describeAuditStore } from './store-conformance';

/** The PostgreSQL store, on the throwaway cluster the global setup starts. */
describeAuditStore('postgres', () => ({ store: PgAuditStore.fromUrl(inject('pgUrl')), where: inject('pgUrl') }));

describe('PostgreSQL store is append-only', () => {
  it('refuses to change or delete a record or a digest', async () => {
    const store = PgAuditStore.fromUrl(inject('pgUrl'));
    const runKey = `run-${Math.random()}`;
    await store.append(act(runKey, 'x'));
    const dir = mkdtempSync(join(tmpdir(), 'chidao-keys-'));
    generateSigningKey(join(dir, 'k.pem'), join(dir, 'ring.json'));
    expect(
      await store.appendDigest(
        runKey,
        digestSigner(() => loadSigningKey(join(dir, 'k.pem'))),
      ),
    ).toBeDefined();
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: inject('pgUrl') });
    await c.connect();
    await expect(c.query("UPDATE chidao_audit SET hash = 'x' WHERE run_key = $1", [runKey])).rejects.toThrow(
      /append-only/,
    );
    await expect(c.query('DELETE FROM chidao_audit WHERE run_key = $1', [runKey])).rejects.toThrow(/append-only/);
    await expect(c.query("UPDATE chidao_audit_digest SET digest = '{}' WHERE run_key = $1", [runKey])).rejects.toThrow(
      /append-only/,
    );
    await expect(c.query('DELETE FROM chidao_audit_digest WHERE run_key = $1', [runKey])).rejects.toThrow(
      /append-only/,
    );
    await c.end();
    await store.close();
  });
});
