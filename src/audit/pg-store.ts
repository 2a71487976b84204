import pg from 'pg';
import { seal, type AuditAct, type AuditRecord } from './record';
import { nextDigest, type AuditDigest, type DigestSigner } from './digest';
import type { AuditStore } from './store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chidao_audit (
  run_key text NOT NULL,
  seq integer NOT NULL,
  key text NOT NULL,
  hash text NOT NULL,
  record jsonb NOT NULL,
  PRIMARY KEY (run_key, seq),
  UNIQUE (run_key, key)
);
-- Append-only: the application role may insert and read, never change or delete.
CREATE OR REPLACE FUNCTION chidao_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'chidao_audit is append-only'; END $$;
DROP TRIGGER IF EXISTS chidao_audit_no_change ON chidao_audit;
CREATE TRIGGER chidao_audit_no_change BEFORE UPDATE OR DELETE ON chidao_audit
  FOR EACH ROW EXECUTE FUNCTION chidao_audit_append_only();
-- Signed digests of each run's chain, as append-only as the records.
CREATE TABLE IF NOT EXISTS chidao_audit_digest (
  run_key text NOT NULL,
  seq integer NOT NULL,
  records integer NOT NULL,
  digest jsonb NOT NULL,
  PRIMARY KEY (run_key, seq),
  UNIQUE (run_key, records)
);
DROP TRIGGER IF EXISTS chidao_audit_digest_no_change ON chidao_audit_digest;
CREATE TRIGGER chidao_audit_digest_no_change BEFORE UPDATE OR DELETE ON chidao_audit_digest
  FOR EACH ROW EXECUTE FUNCTION chidao_audit_append_only();
`;

/**
 * PostgreSQL store. Each append runs in a transaction holding an advisory lock on the run, so writers on
 * any number of hosts extend one chain; the unique key makes a retried act a no-op.
 */
export class PgAuditStore implements AuditStore {
  private ready?: Promise<void>;
  constructor(private readonly pool: pg.Pool) {}

  static fromUrl(url: string): PgAuditStore {
    return new PgAuditStore(new pg.Pool({ connectionString: url, max: 4 }));
  }

  private init(): Promise<void> {
    // Concurrent first calls share one schema migration; a lock keeps two processes from racing on DDL.
    return (this.ready ??= (async () => {
      const c = await this.pool.connect();
      try {
        await c.query('SELECT pg_advisory_lock(7352001)');
        await c.query(SCHEMA);
      } finally {
        await c.query('SELECT pg_advisory_unlock(7352001)').catch(() => undefined);
        c.release();
      }
    })());
  }

  async append(act: AuditAct): Promise<AuditRecord> {
    await this.init();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [act.runKey]);
      const known = await c.query<{ record: AuditRecord }>(
        'SELECT record FROM chidao_audit WHERE run_key = $1 AND key = $2',
        [act.runKey, act.key],
      );
      if (known.rows[0]) {
        await c.query('COMMIT');
        return known.rows[0].record;
      }
      const last = await c.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM chidao_audit WHERE run_key = $1 ORDER BY seq DESC LIMIT 1',
        [act.runKey],
      );
      const rec = seal(act, (last.rows[0]?.seq ?? 0) + 1, last.rows[0]?.hash ?? '', new Date());
      await c.query('INSERT INTO chidao_audit (run_key, seq, key, hash, record) VALUES ($1, $2, $3, $4, $5)', [
        act.runKey,
        rec.seq,
        rec.key,
        rec.hash,
        JSON.stringify(rec),
      ]);
      await c.query('COMMIT');
      return rec;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async list(runKey: string): Promise<AuditRecord[]> {
    await this.init();
    const r = await this.pool.query<{ record: AuditRecord }>(
      'SELECT record FROM chidao_audit WHERE run_key = $1 ORDER BY seq',
      [runKey],
    );
    return r.rows.map((x) => x.record);
  }

  async appendDigest(runKey: string, sign: DigestSigner): Promise<AuditDigest | undefined> {
    await this.init();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      // The appends' lock: the chain cannot grow while its head is read and signed.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [runKey]);
      const last = await c.query<{ record: AuditRecord }>(
        'SELECT record FROM chidao_audit WHERE run_key = $1 ORDER BY seq DESC LIMIT 1',
        [runKey],
      );
      const prev = await c.query<{ digest: AuditDigest }>(
        'SELECT digest FROM chidao_audit_digest WHERE run_key = $1 ORDER BY seq DESC LIMIT 1',
        [runKey],
      );
      const next = nextDigest(runKey, last.rows[0]?.record, prev.rows[0]?.digest);
      if (!next) {
        await c.query('COMMIT');
        return undefined;
      }
      const d = sign(next);
      await c.query('INSERT INTO chidao_audit_digest (run_key, seq, records, digest) VALUES ($1, $2, $3, $4)', [
        runKey,
        d.seq,
        d.records,
        JSON.stringify(d),
      ]);
      await c.query('COMMIT');
      return d;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async digests(runKey: string): Promise<AuditDigest[]> {
    await this.init();
    const r = await this.pool.query<{ digest: AuditDigest }>(
      'SELECT digest FROM chidao_audit_digest WHERE run_key = $1 ORDER BY seq',
      [runKey],
    );
    return r.rows.map((x) => x.digest);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
