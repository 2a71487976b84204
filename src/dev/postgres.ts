import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The newest PostgreSQL server binaries Debian installed (scripts/setup installs them if missing). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const v = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!v) throw new Error('Không tìm thấy PostgreSQL (initdb): chạy "bash scripts/setup" (cài gói postgresql).');
  return join(root, v, 'bin');
}

/**
 * A throwaway PostgreSQL cluster in a fresh temporary folder, listening on 127.0.0.1:`port` with trust
 * auth. PostgreSQL refuses to run as root, so as root the folder and the server belong to `postgres`.
 */
export interface Postgres {
  url: string;
  dir: string;
  stop(): void;
}

/**
 * With `keep.dir`, the cluster lives in that folder: made on first use, started again later with its data,
 * and kept at stop (the Temporal cluster's store). Without, a throwaway one in a temporary folder.
 * `maxConnections` raises PostgreSQL's 100 (five Temporal services hold pools of up to 30 each).
 */
export function startPostgres(port: number, keep?: { dir: string; maxConnections?: number }): Postgres {
  const bin = binDir();
  const asRoot = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) => {
    try {
      execFileSync(
        asRoot ? 'runuser' : join(bin, cmd),
        asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args,
        { stdio: 'pipe' },
      );
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`PostgreSQL ${cmd} thất bại: ${err.stderr?.toString().trim() || err.message}`, { cause: e });
    }
  };
  const dir = keep ? keep.dir : mkdtempSync(join(tmpdir(), 'chidao-pg-'));
  mkdirSync(dir, { recursive: true });
  if (asRoot) {
    const pg = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    chownSync(dir, pg, pg);
  }
  const data = join(dir, 'data');
  if (!existsSync(join(data, 'PG_VERSION')))
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'chidao', '-E', 'UTF8', '--no-locale']);
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'postgres.log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${keep?.maxConnections ? ` -c max_connections=${keep.maxConnections}` : ''}`,
    'start',
  ]);
  return {
    url: `postgres://chidao@127.0.0.1:${port}/postgres`,
    dir,
    stop: () => {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
