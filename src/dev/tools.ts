import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/setup puts the Temporal CLI and the test server wrapper. */
export function toolPaths(env: NodeJS.ProcessEnv = process.env) {
  const cache = env.CHIDAO_CACHE ?? join(homedir(), '.cache', 'chidao');
  const paths = { temporal: join(cache, 'bin', 'temporal'), testServer: join(cache, 'bin', 'temporal-test-server') };
  for (const [name, p] of Object.entries(paths)) {
    if (!existsSync(p)) throw new Error(`Thiếu ${name} tại ${p}: hãy chạy "bash scripts/setup".`);
  }
  return paths;
}

/** The Temporal server, its SQL schema tool and the PostgreSQL schemas, as scripts/setup caches them. */
export function clusterToolPaths(env: NodeJS.ProcessEnv = process.env) {
  const cache = env.CHIDAO_CACHE ?? join(homedir(), '.cache', 'chidao');
  const paths = {
    server: join(cache, 'bin', 'temporal-server'),
    sqlTool: join(cache, 'bin', 'temporal-sql-tool'),
    schemaDir: join(cache, 'temporal-server', 'schema', 'postgresql', 'v12'),
  };
  for (const [name, p] of Object.entries(paths)) {
    if (!existsSync(p)) throw new Error(`Thiếu ${name} tại ${p}: hãy chạy "bash scripts/setup".`);
  }
  return paths;
}

/** GreenMail's standalone IMAP server (tests of the Office's mailbox), as scripts/setup caches it. */
export function greenmailJar(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.CHIDAO_CACHE ?? join(homedir(), '.cache', 'chidao');
  const dir = join(cache, 'greenmail');
  const jar = existsSync(dir) ? readdirSync(dir).find((f) => /^greenmail-standalone-.*\.jar$/.test(f)) : undefined;
  if (!jar) throw new Error(`Thiếu GreenMail tại ${dir}: hãy chạy "bash scripts/setup".`);
  return join(dir, jar);
}
