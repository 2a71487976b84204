import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lockSync } from 'proper-lockfile';
import { MAX_ACCOUNTS, type Account } from './account';

/** Accounts, kept where the Office's other state is. One backend today (a file); PostgreSQL may follow. */
export interface AccountStore {
  list(): Account[];
  get(login: string): Account | undefined;
  /** Reads, changes and writes one account under a lock, so the CLI and `chidao serve` never lose a change. */
  update<T>(login: string, change: (a: Account | undefined) => { account?: Account; result: T }): T;
}

/** proper-lockfile's sync lock does not retry; a change takes milliseconds, so wait briefly for it. */
function lockWithRetry(file: string): () => void {
  for (let i = 0; ; i++) {
    try {
      return lockSync(dirname(file), { lockfilePath: `${file}.lock`, stale: 10_000 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || i >= 100) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
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

/**
 * `accounts.json` under CHIDAO_DATA_DIR, mode 0600, replaced atomically; writers on one host serialise
 * through proper-lockfile (as the audit file store does).
 */
export class FileAccountStore implements AccountStore {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = join(dataDir, 'accounts.json');
  }

  private read(): Map<string, Account> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw e;
    }
    const list = JSON.parse(text) as Account[];
    return new Map(list.map((a) => [a.login, a]));
  }

  list(): Account[] {
    return [...this.read().values()].sort((a, b) => a.login.localeCompare(b.login));
  }

  get(login: string): Account | undefined {
    return this.read().get(login);
  }

  update<T>(login: string, change: (a: Account | undefined) => { account?: Account; result: T }): T {
    mkdirSync(dirname(this.file), { recursive: true });
    const release = lockWithRetry(this.file);
    try {
      const all = this.read();
      const { account, result } = change(all.get(login));
      if (!account) return result;
      if (!all.has(login) && all.size >= MAX_ACCOUNTS)
        throw new AccountRefusal(`Đã có ${MAX_ACCOUNTS} tài khoản, không thêm được nữa.`);
      all.set(login, account);
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify([...all.values()], null, 1), { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, this.file);
      return result;
    } finally {
      release();
    }
  }
}
