import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, createWriteStream, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { MailDev } from 'maildev';
import { loadConfig, type Config } from '../config';
import { connectWorker, createChidaoWorker } from '../worker/create-worker';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { toolPaths } from './tools';
import { createWebServer } from '../web/server';

export interface StackOptions {
  /** Keep Temporal's state in .data/temporal.db across restarts (npm run dev); else in memory (demo). */
  persistent: boolean;
  temporalPort?: number;
  uiPort?: number;
  smtpPort?: number;
  mailWebPort?: number;
  webPort?: number;
  dataDir?: string;
}

export interface Stack {
  config: Config;
  client: Client;
  urls: { web: string; temporal: string; temporalUi: string; mailUi: string; mailApi: string; smtp: string };
  stop(): Promise<void>;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T>, timeoutMs: number, child?: ChildProcess): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what} đã dừng (mã ${child.exitCode})`);
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what} không phản hồi sau ${timeoutMs / 1000} giây: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export const DEV_OFFICE_PASSWORD = 'chidao-dev';

/**
 * The local stack: Temporal dev server (SQLite, Web UI), an SMTP server with a web UI and HTTP API, and
 * the worker, in one process tree that stops together.
 */
export async function startStack(opts: StackOptions, log: (s: string) => void = console.log): Promise<Stack> {
  const ports = {
    temporal: opts.temporalPort ?? 7233,
    ui: opts.uiPort ?? 8233,
    smtp: opts.smtpPort ?? 1025,
    mailWeb: opts.mailWebPort ?? 1080,
    web: opts.webPort ?? 8080,
  };
  const names: Record<keyof typeof ports, string> = { temporal: 'Temporal (gRPC)', ui: 'Temporal Web UI', smtp: 'SMTP', mailWeb: 'giao diện thư', web: 'trang đơn vị và bảng điều khiển' };
  for (const [k, p] of Object.entries(ports) as [keyof typeof ports, number][]) {
    if (await portInUse(p)) throw new Error(`Cổng ${p} (${names[k]}) đang bị chiếm: có thể "npm run dev" đang chạy ở cửa sổ khác. Hãy dừng nó hoặc giải phóng cổng ${p}.`);
  }
  const dataDir = resolve(opts.dataDir ?? '.data');
  // A throwaway stack (the demo) starts from nothing: an old run's sent log would suppress this run's
  // mail (Message-IDs are deterministic per directive), and its audit chain and mailbox would mix in.
  if (!opts.persistent) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'logs'), { recursive: true });

  const tools = toolPaths();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(ports.temporal), '--ui-port', String(ports.ui), '--log-level', 'warn'];
  if (opts.persistent) args.push('--db-filename', join(dataDir, 'temporal.db'));
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type === 'BOOL' ? 'Bool' : 'Keyword'}`);
  const logPath = join(dataDir, 'logs', 'temporal.log');
  const temporal = spawn(tools.temporal, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logStream = createWriteStream(logPath, { flags: 'a' });
  temporal.stdout!.pipe(logStream);
  temporal.stderr!.pipe(logStream);

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  stops.push(async () => {
    if (temporal.exitCode !== null) return;
    temporal.kill('SIGTERM');
    await new Promise((r) => temporal.once('exit', r));
  });

  try {
    const address = `127.0.0.1:${ports.temporal}`;
    const connection = await waitFor(
      `Temporal dev server (nhật ký: ${logPath})`,
      async () => {
        const c = await Connection.connect({ address, connectTimeout: '2s' });
        await c.workflowService.getSystemInfo({});
        return c;
      },
      30_000,
      temporal,
    );
    const client = new Client({ connection });
    stops.push(() => connection.close());

    const maildev = new MailDev({ smtp: ports.smtp, web: ports.mailWeb, ip: '127.0.0.1', webIp: '127.0.0.1', silent: true, mailDirectory: join(dataDir, 'mail') } as never);
    await maildev.start();
    stops.push(() => maildev.stop());

    const config = loadConfig({
      ...process.env,
      TEMPORAL_ADDRESS: address,
      CHIDAO_SMTP_URL: `smtp://127.0.0.1:${ports.smtp}?ignoreTLS=true`,
      CHIDAO_DATA_DIR: dataDir,
      CHIDAO_WEB_PORT: String(ports.web),
      CHIDAO_PUBLIC_URL: process.env.CHIDAO_PUBLIC_URL ?? `http://127.0.0.1:${ports.web}`,
      // A known password for the local dashboard only; production sets its own.
      CHIDAO_OFFICE_PASSWORD: process.env.CHIDAO_OFFICE_PASSWORD ?? DEV_OFFICE_PASSWORD,
    });
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const nativeConnection = await connectWorker(config);
    const { worker, mailer } = await createChidaoWorker({ config, client, connection: nativeConnection });
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      mailer.close();
      await nativeConnection.close();
    });

    const web = await createWebServer({ client, config });
    await web.listen({ host: '127.0.0.1', port: ports.web });
    stops.push(() => web.close());

    const urls = {
      web: config.CHIDAO_PUBLIC_URL,
      temporal: address,
      temporalUi: `http://127.0.0.1:${ports.ui}`,
      mailUi: `http://127.0.0.1:${ports.mailWeb}`,
      mailApi: `http://127.0.0.1:${ports.mailWeb}/api`,
      smtp: `smtp://127.0.0.1:${ports.smtp}`,
    };
    log(`Temporal:        ${urls.temporal} (namespace ${config.TEMPORAL_NAMESPACE})`);
    log(`Temporal Web UI: ${urls.temporalUi}`);
    log(`Hộp thư (web):   ${urls.mailUi}   API: ${urls.mailApi}`);
    log(`SMTP:            ${urls.smtp}`);
    log(`Worker:          hàng đợi "${config.CHIDAO_TASK_QUEUE}"`);
    log(`Văn phòng:       ${urls.web}/office   (mật khẩu: ${config.CHIDAO_OFFICE_PASSWORD === DEV_OFFICE_PASSWORD ? DEV_OFFICE_PASSWORD : 'CHIDAO_OFFICE_PASSWORD'})`);
    return { config, client, urls, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
