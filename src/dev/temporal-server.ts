import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { toolPaths } from './tools';

export interface DevServer {
  address: string;
  process: ChildProcess;
  /** A client connection, already answering. */
  connection: Connection;
  stop(): Promise<void>;
}

/** Thrown by a waited-for function when waiting longer cannot help (a process it needs has died). */
export class StopWaiting extends Error {}

/** Retries fn until it answers, failing early if the child it waits for has died or fn says StopWaiting. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T>,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what} đã dừng (mã ${child.exitCode})`);
    try {
      return await fn();
    } catch (e) {
      if (e instanceof StopWaiting) throw e;
      if (Date.now() > until) {
        throw new Error(`${what} không phản hồi sau ${timeoutMs / 1000} giây: ${(e as Error).message}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The Temporal CLI's dev server (SQLite, Web UI) with our search attributes registered. */
/**
 * Server 1.29 dispatches in arrival order unless its priority-aware matcher is on: hỏa tốc runs ask for
 * priority 1, and this lets the server honour it (a production cluster sets the same dynamic config).
 */
export const PRIORITY_ARGS = ['--dynamic-config-value', 'matching.useNewMatcher=true'];

export async function startDevServer(opts: {
  port: number;
  uiPort: number;
  dbFile?: string;
  logPath: string;
  extraArgs?: string[];
  /** Off only to measure what priority changes (npm run bench:priority -- --old-matcher). */
  priority?: boolean;
}): Promise<DevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--log-level',
    'warn',
    ...(opts.priority === false ? [] : PRIORITY_ARGS),
    ...(opts.extraArgs ?? []),
  ];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES))
    args.push('--search-attribute', `${name}=${type === 'BOOL' ? 'Bool' : 'Keyword'}`);
  const child = spawn(toolPaths().temporal, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(opts.logPath, { flags: 'a' });
  // Two sources into one file: neither may end it (the other would write after its end); the exit does.
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.once('close', () => log.end());
  const stopChild = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  const address = `127.0.0.1:${opts.port}`;
  try {
    const connection = await waitFor(
      `Temporal dev server (nhật ký: ${opts.logPath})`,
      async () => {
        const c = await Connection.connect({ address, connectTimeout: '2s' });
        await c.workflowService.getSystemInfo({});
        return c;
      },
      30_000,
      child,
    );
    return {
      address,
      process: child,
      connection,
      async stop() {
        await connection.close().catch(() => undefined);
        await stopChild();
      },
    };
  } catch (e) {
    await stopChild();
    throw e;
  }
}
