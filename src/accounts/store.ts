import { join } from 'node:path';
import { LockedJsonMap } from '../files/locked-json-map';
import { MAX_ACCOUNTS, type Account } from './account';

/** Accounts, kept where the Office's other state is. One backend today (a file); PostgreSQL may follow. */
export interface AccountStore {
  list(): Account[];
  get(login: string): Account | undefined;
  /** Reads, changes and writes one account under a lock, so the CLI and `chidao serve` never lose a change. */
  update<T>(login: string, change: (a: Account | undefined) => { account?: Account; result: T }): T;
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

/** `accounts.json` under CHIDAO_DATA_DIR. */
export class FileAccountStore implements AccountStore {
  private readonly map: LockedJsonMap<Account>;
  constructor(dataDir: string) {
    this.map = new LockedJsonMap<Account>(join(dataDir, 'accounts.json'), (a) => a.login, {
      count: MAX_ACCOUNTS,
      refusal: () => new AccountRefusal(`Đã có ${MAX_ACCOUNTS} tài khoản, không thêm được nữa.`),
    });
  }

  get file(): string {
    return this.map.file;
  }

  list(): Account[] {
    return this.map.list().sort((a, b) => a.login.localeCompare(b.login));
  }

  get(login: string): Account | undefined {
    return this.map.get(login);
  }

  update<T>(login: string, change: (a: Account | undefined) => { account?: Account; result: T }): T {
    return this.map.update(login, (a) => {
      const { account, result } = change(a);
      return account ? { record: account, result } : { result };
    });
  }
}
