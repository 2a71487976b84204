import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../config';
import { LockedJsonMap } from '../files/locked-json-map';
import { MAX_ACCOUNTS, type Account } from './account';

/**
 * Accounts, kept where the Office's other state is: a file under CHIDAO_DATA_DIR (the default) or
 * PostgreSQL, the audit store's two backends. `update` reads, changes and writes one account atomically, so
 * the CLI and every `chidao serve` never lose a change (a lockout count, a disabled account).
 */
export interface AccountStore {
  list(): Promise<Account[]>;
  get(login: string): Promise<Account | undefined>;
  /** `change` is synchronous and may throw (a refusal): then nothing is written. */
  update<T>(login: string, change: (a: Account | undefined) => { account?: Account; result: T }): Promise<T>;
  close?(): Promise<void>;
}

/** A refusal to show a person; `field` names the form field it is about, when there is one. */
export class AccountRefusal extends Error {
  override name = 'AccountRefusal';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const tooMany = () => new AccountRefusal(`Đã có ${MAX_ACCOUNTS} tài khoản, không thêm được nữa.`);
const byLogin = (a: Account, b: Account) => a.login.localeCompare(b.login);

/** `accounts.json` under CHIDAO_DATA_DIR. */
export class FileAccountStore implements AccountStore {
  private readonly map: LockedJsonMap<Account>;
  constructor(dataDir: string) {
    this.map = new LockedJsonMap<Account>(join(dataDir, 'accounts.json'), (a) => a.login, {
      count: MAX_ACCOUNTS,
      refusal: tooMany,
    });
  }

  get file(): string {
    return this.map.file;
  }

  async list(): Promise<Account[]> {
    return this.map.list().sort(byLogin);
  }

  async get(login: string): Promise<Account | undefined> {
    return this.map.get(login);
  }

  async update<T>(login: string, change: (a: Account | undefined) => { account?: Account; result: T }): Promise<T> {
    return this.map.update(login, (a) => {
      const { account, result } = change(a);
      return account ? { record: account, result } : { result };
    });
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chidao_accounts (
  login text PRIMARY KEY,
  account jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`;

/**
 * PostgreSQL: one row per account. A change runs in a transaction holding an advisory lock on the login
 * (a row lock cannot hold a login that has no row yet), so servers on several hosts never interleave.
 */
export class PgAccountStore implements AccountStore {
  private ready?: Promise<void>;
  constructor(private readonly pool: pg.Pool) {
    // An idle client that loses its server (a PostgreSQL restart) is dropped by the pool; without a
    // listener its 'error' would end the whole server. The next query reconnects.
    pool.on('error', () => undefined);
  }

  static fromUrl(url: string): PgAccountStore {
    return new PgAccountStore(new pg.Pool({ connectionString: url, max: 4 }));
  }

  private init(): Promise<void> {
    return (this.ready ??= (async () => {
      const c = await this.pool.connect();
      try {
        // Two processes starting at once must not race on the DDL.
        await c.query('SELECT pg_advisory_lock(7352002)');
        await c.query(SCHEMA);
      } finally {
        await c.query('SELECT pg_advisory_unlock(7352002)').catch(() => undefined);
        c.release();
      }
    })().catch((e: unknown) => {
      // Not kept: a server started while PostgreSQL was down works once it is up, without a restart.
      this.ready = undefined;
      throw e;
    }));
  }

  async list(): Promise<Account[]> {
    await this.init();
    const r = await this.pool.query<{ account: Account }>('SELECT account FROM chidao_accounts ORDER BY login');
    return r.rows.map((x) => x.account).sort(byLogin);
  }

  async get(login: string): Promise<Account | undefined> {
    await this.init();
    const r = await this.pool.query<{ account: Account }>('SELECT account FROM chidao_accounts WHERE login = $1', [
      login,
    ]);
    return r.rows[0]?.account;
  }

  async update<T>(login: string, change: (a: Account | undefined) => { account?: Account; result: T }): Promise<T> {
    await this.init();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT pg_advisory_xact_lock(hashtext('chidao_accounts:' || $1))", [login]);
      const cur = await c.query<{ account: Account }>('SELECT account FROM chidao_accounts WHERE login = $1', [login]);
      const old = cur.rows[0]?.account;
      const { account, result } = change(old);
      if (account) {
        if (!old) {
          const n = await c.query<{ n: string }>('SELECT count(*) AS n FROM chidao_accounts');
          if (Number(n.rows[0]!.n) >= MAX_ACCOUNTS) throw tooMany();
        }
        await c.query(
          `INSERT INTO chidao_accounts (login, account) VALUES ($1, $2)
           ON CONFLICT (login) DO UPDATE SET account = EXCLUDED.account, updated_at = now()`,
          [login, JSON.stringify(account)],
        );
      }
      await c.query('COMMIT');
      return result;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** The store the configuration names: the data folder's file, or PostgreSQL. */
export function openAccountStore(config: Config): AccountStore {
  if (config.CHIDAO_ACCOUNT_STORE === 'postgres') {
    const url = config.CHIDAO_ACCOUNT_PG_URL ?? config.CHIDAO_AUDIT_PG_URL;
    if (!url)
      throw new Error(
        'CHIDAO_ACCOUNT_STORE=postgres cần CHIDAO_ACCOUNT_PG_URL (hoặc CHIDAO_AUDIT_PG_URL): postgres://user:pass@host:5432/db',
      );
    return PgAccountStore.fromUrl(url);
  }
  return new FileAccountStore(config.CHIDAO_DATA_DIR);
}
