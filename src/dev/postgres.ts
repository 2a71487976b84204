import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';

/** The newest PostgreSQL server binaries Debian installed (scripts/setup installs them if missing). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const v = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!v) throw new Error('Không tìm thấy PostgreSQL (initdb): chạy "bash scripts/setup" (cài gói postgresql).');
  return join(root, v, 'bin');
}

/**
 * A throwaway PostgreSQL cluster in `dir`, listening on 127.0.0.1:`port` with trust auth. PostgreSQL
 * refuses to run as root, so as root the cluster belongs to the `postgres` user.
 */
export function startPostgres(dir: string, port: number): { url: string; stop(): void } {
  const bin = binDir();
  const asRoot = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : join(bin, cmd), asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args, { stdio: 'pipe' });
  mkdirSync(dir, { recursive: true });
  if (asRoot) {
    const pg = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    chownSync(dir, pg, pg);
  }
  const data = join(dir, 'data');
  if (!existsSync(join(data, 'PG_VERSION'))) run('initdb', ['-D', data, '-A', 'trust', '-U', 'chidao', '-E', 'UTF8', '--no-locale']);
  void statSync(data);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
  return {
    url: `postgres://chidao@127.0.0.1:${port}/postgres`,
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
  };
}
