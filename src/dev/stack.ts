import { RegistryStore } from '../registries/store';
import { loadRegistry } from '../files/load';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { WorkerLogger } from '../worker/logger';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { MailDev } from 'maildev';
import { loadConfig, type Config } from '../config';
import { connectWorker, createChidaoWorker } from '../worker/create-worker';
import { startDevServer } from './temporal-server';
import { createWebServer } from '../web/server';
import { generateSigningKey } from '../audit/keys';
import { devAccounts } from './dev-accounts';
import { startImapServer, type ImapServer } from './imap-server';
import { ensureMailboxWatch } from '../client/mailbox-watch';

export interface StackOptions {
  /** Keep Temporal's state in .data/temporal.db across restarts (npm run dev); else in memory (demo). */
  persistent: boolean;
  temporalPort?: number;
  uiPort?: number;
  smtpPort?: number;
  mailWebPort?: number;
  webPort?: number;
  /** The Office's inbox (GreenMail), read for bounces and replies. */
  imapPort?: number;
  dataDir?: string;
  /** A Temporal server already running (the cluster of `npm run cluster`): no dev server is started. */
  temporalAddress?: string;
}

/** What `npm run dev` and the demo start: servers, a worker and the web server (tests have their own Stack). */
export interface DevStack {
  config: Config;
  client: Client;
  urls: { web: string; temporal: string; temporalUi: string; mailUi: string; mailApi: string; smtp: string };
  /** The Office's inbox the worker reads (absent when CHIDAO_IMAP_URL points elsewhere). */
  imap?: ImapServer;
  stop(): Promise<void>;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

/**
 * The local stack's secrets: random, made once per data folder and kept there (mode 0600), so links in
 * the local mailbox keep working across restarts of "npm run dev". Nothing secret is written in the
 * source; production sets its own (and refuses to start without them).
 */
function devSecrets(dataDir: string): { CHIDAO_LINK_SECRET: string; CHIDAO_SESSION_SECRET: string } {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof devSecrets>;
  const secrets = {
    CHIDAO_LINK_SECRET: randomBytes(32).toString('hex'),
    CHIDAO_SESSION_SECRET: randomBytes(32).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

/**
 * The local stack's audit signing key, made once per data folder like its secrets, so digests are on in
 * development and the demo. Its keyring sits beside it; a real office keeps the private key on the
 * worker's host only and publishes the keyring to its auditors.
 */
function devAuditKeys(dataDir: string): { CHIDAO_AUDIT_SIGNING_KEY: string; CHIDAO_AUDIT_KEYRING: string } {
  const keys = {
    CHIDAO_AUDIT_SIGNING_KEY: join(dataDir, 'audit-keys', 'signing-key.pem'),
    CHIDAO_AUDIT_KEYRING: join(dataDir, 'audit-keys', 'keyring.json'),
  };
  if (!existsSync(keys.CHIDAO_AUDIT_SIGNING_KEY))
    generateSigningKey(keys.CHIDAO_AUDIT_SIGNING_KEY, keys.CHIDAO_AUDIT_KEYRING);
  return keys;
}

/** A server started elsewhere: connect, and close the connection at stop (the server keeps running). */
async function connectTo(address: string, stops: (() => Promise<void>)[]) {
  const connection = await Connection.connect({ address, connectTimeout: '10s' }).catch((e: Error) => {
    throw new Error(`không kết nối được Temporal tại ${address} (đã chạy "npm run cluster" chưa?): ${e.message}`, {
      cause: e,
    });
  });
  stops.push(() => connection.close());
  return { address, connection };
}

/**
 * The local stack: Temporal dev server (SQLite, Web UI), an SMTP server with a web UI and HTTP API, and
 * the worker, in one process tree that stops together.
 */
export async function startStack(opts: StackOptions, log: (s: string) => void = console.log): Promise<DevStack> {
  const ports = {
    temporal: opts.temporalPort ?? 7233,
    ui: opts.uiPort ?? 8233,
    smtp: opts.smtpPort ?? 1025,
    mailWeb: opts.mailWebPort ?? 1080,
    web: opts.webPort ?? 8080,
    imap: opts.imapPort ?? 1143,
  };
  const names: Record<keyof typeof ports, string> = {
    temporal: 'Temporal (gRPC)',
    ui: 'Temporal Web UI',
    smtp: 'SMTP',
    mailWeb: 'giao diện thư',
    web: 'trang đơn vị và bảng điều khiển',
    imap: 'hộp thư đến của Văn phòng (IMAP)',
  };
  for (const [k, p] of Object.entries(ports) as [keyof typeof ports, number][]) {
    if (opts.temporalAddress && (k === 'temporal' || k === 'ui')) continue;
    if (k === 'imap' && process.env.CHIDAO_IMAP_URL) continue;
    if (await portInUse(p))
      throw new Error(
        `Cổng ${p} (${names[k]}) đang bị chiếm: có thể "npm run dev" đang chạy ở cửa sổ khác. Hãy dừng nó hoặc giải phóng cổng ${p}.`,
      );
  }
  const dataDir = resolve(opts.dataDir ?? '.data');
  // A throwaway stack (the demo) starts from nothing: an old run's sent log would suppress this run's
  // mail (Message-IDs are deterministic per directive), and its audit chain and mailbox would mix in.
  if (!opts.persistent) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'logs'), { recursive: true });

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };

  try {
    const { address, connection } = opts.temporalAddress
      ? await connectTo(opts.temporalAddress, stops)
      : await startDevServer({
          port: ports.temporal,
          uiPort: ports.ui,
          logPath: join(dataDir, 'logs', 'temporal.log'),
          ...(opts.persistent ? { dbFile: join(dataDir, 'temporal.db') } : {}),
        }).then((server) => (stops.push(() => server.stop()), server));
    const client = new Client({ connection });

    const maildev = new MailDev({
      smtp: ports.smtp,
      web: ports.mailWeb,
      ip: '127.0.0.1',
      webIp: '127.0.0.1',
      silent: true,
      mailDirectory: join(dataDir, 'mail'),
    } as never);
    await maildev.start();
    stops.push(() => maildev.stop());
    // The Office's inbox, where bounces and units' replies arrive: a real IMAP server unless one is given.
    const imap = process.env.CHIDAO_IMAP_URL ? undefined : await startImapServer(ports.imap);
    if (imap) stops.push(() => imap.stop());

    const config = loadConfig({
      ...devSecrets(dataDir),
      ...(process.env.CHIDAO_AUDIT_SIGNING_KEY ? {} : devAuditKeys(dataDir)),
      ...process.env,
      TEMPORAL_ADDRESS: address,
      CHIDAO_SMTP_URL: `smtp://127.0.0.1:${ports.smtp}?ignoreTLS=true`,
      CHIDAO_DATA_DIR: dataDir,
      // The 2023 registry the examples use, for runs started from the browser.
      CHIDAO_REGISTRY_FILE: process.env.CHIDAO_REGISTRY_FILE ?? resolve('examples/units-thads-2023.yaml'),
      CHIDAO_WEB_PORT: String(ports.web),
      CHIDAO_PUBLIC_URL: process.env.CHIDAO_PUBLIC_URL ?? `http://127.0.0.1:${ports.web}`,
      ...(imap ? { CHIDAO_IMAP_URL: imap.url } : {}),
      CHIDAO_IMAP_POLL_SECONDS: process.env.CHIDAO_IMAP_POLL_SECONDS ?? '5',
    });
    seedRegistry(dataDir);
    Runtime.install({ logger: new WorkerLogger('WARN') });
    const nativeConnection = await connectWorker(config);
    const { worker, run, mailer } = await createChidaoWorker({ config, client, connection: nativeConnection });
    const running = run();
    await ensureMailboxWatch(client, config);
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
    if (!opts.temporalAddress) log(`Temporal Web UI: ${urls.temporalUi}`);
    log(`Hộp thư (web):   ${urls.mailUi}   API: ${urls.mailApi}`);
    log(`SMTP:            ${urls.smtp}`);
    if (config.CHIDAO_IMAP_URL)
      log(
        `Hộp thư đến:     ${config.CHIDAO_IMAP_URL.replace(/:[^:@/]*@/, ':…@')} (IMAP, đọc mỗi ${config.CHIDAO_IMAP_POLL_SECONDS} giây)`,
      );
    log(`Worker:          hàng đợi "${config.CHIDAO_TASK_QUEUE}"`);
    const dev = await devAccounts(dataDir);
    log(`Văn phòng:       ${urls.web}/office`);
    log(`Tài khoản:       ${dev.logins.join(', ')}   (mật khẩu: ${dev.password})`);
    return { config, client, urls, ...(imap ? { imap } : {}), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The 2023 registry imported and in effect, so the Danh mục page has a version to show from the first start. */
function seedRegistry(dataDir: string): void {
  const store = RegistryStore.inDataDir(dataDir);
  if (store.versions().length) return;
  const reg = loadRegistry('examples/units-thads-2023.yaml');
  const by = 'npm run dev (môi trường thử)';
  store.put(reg, { source: 'units-thads-2023.yaml', by });
  store.activate(reg.id, reg.effective, by);
}
