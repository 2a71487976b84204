import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { stringify } from 'yaml';
import { ensureSearchAttributes } from '../worker/search-attributes';
import { startPostgres, type Postgres } from './postgres';
import { StopWaiting, waitFor } from './temporal-server';
import { clusterToolPaths } from './tools';

/**
 * A production-shaped Temporal cluster on this machine: PostgreSQL (persistence and advanced visibility),
 * and the server's services as separate processes on loopback — frontend, matching, worker and two history
 * processes sharing the shards. Its state lives in one folder and survives a restart.
 */
export interface ClusterPorts {
  /** The frontend's gRPC port: the address workers, the CLI and `chidao serve` use. */
  frontend: number;
  postgres: number;
}

export type ServiceName = 'history-1' | 'history-2' | 'matching' | 'frontend' | 'worker';
/** Start order: the services the frontend needs come up first. */
export const SERVICES: readonly ServiceName[] = ['history-1', 'history-2', 'matching', 'frontend', 'worker'];

export interface Cluster {
  address: string;
  namespace: string;
  dataDir: string;
  logDir: string;
  /** The processes by service; a test may kill one and start it again. */
  processes: Map<ServiceName, ChildProcess>;
  /** Starts one service again (after a crash or a kill), with the same ports and store. */
  restart(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/** Shards are fixed when the store is made; 8 lets two history processes share them. */
const HISTORY_SHARDS = 8;
const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;

/** Ports from `base`: each service's gRPC and membership port, the frontend's HTTP port, PostgreSQL. */
/** Whether something accepts connections on this local port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export function portsFrom(base: number) {
  return {
    frontend: { grpc: base, membership: base + 1, http: base + 2 },
    matching: { grpc: base + 3, membership: base + 4 },
    'history-1': { grpc: base + 5, membership: base + 6 },
    'history-2': { grpc: base + 7, membership: base + 8 },
    worker: { grpc: base + 9, membership: base + 10 },
    postgres: base + 11,
  };
}
export const PORTS_USED = 12;

/** The server's configuration for one process (each history process needs its own ports). */
function serverConfig(ports: ReturnType<typeof portsFrom>, history: 'history-1' | 'history-2', dynamic: string) {
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${ports.postgres}`,
      connectProtocol: 'tcp',
      user: 'chidao',
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (p: { grpc: number; membership: number; http?: number }) => ({
    rpc: {
      grpcPort: p.grpc,
      membershipPort: p.membership,
      bindOnLocalHost: true,
      ...(p.http ? { httpPort: p.http } : {}),
    },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': sql(DATABASES.temporal, 20),
        'postgres-visibility': sql(DATABASES.visibility, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(ports.frontend),
      matching: rpc(ports.matching),
      history: rpc(ports[history]),
      worker: rpc(ports.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend.grpc}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamic, pollInterval: '10s' },
  };
}

/** Dynamic settings proved by the tests: the defaults of the SQL development file, minus what we do not use. */
const DYNAMIC_CONFIG = {
  'limit.maxIDLength': [{ value: 255, constraints: {} }],
  'frontend.enableUpdateWorkflowExecution': [{ value: true }],
  'frontend.enableExecuteMultiOperation': [{ value: true }],
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  // Priority (hỏa tốc runs ask for 1) needs the new matcher on server 1.29.
  'matching.useNewMatcher': [{ value: true }],
};

/**
 * Where PostgreSQL keeps its files. As root the server runs as the `postgres` user, which must be able to
 * reach the folder; when it cannot (a folder under /root, a private temporary folder) the files go to
 * /var/lib/chidao, one folder per cluster folder.
 */
function postgresDir(dataDir: string): string {
  const wanted = join(dataDir, 'postgres');
  if (userInfo().uid !== 0) return wanted;
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dataDir], { stdio: 'ignore' });
    return wanted;
  } catch {
    const id = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
    return join('/var/lib/chidao', `cluster-${id}`);
  }
}

function sqlTool(tool: string, pgPort: number, db: string, args: string[], log: string): void {
  const all = [
    '--plugin',
    'postgres12',
    '--ep',
    '127.0.0.1',
    '-p',
    String(pgPort),
    '-u',
    'chidao',
    '--db',
    db,
    ...args,
  ];
  try {
    execFileSync(tool, all, { stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
    const out = `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`;
    writeFileSync(log, out, { flag: 'a' });
    throw new Error(
      `temporal-sql-tool ${args[0]} (${db}) thất bại: ${out.trim().split('\n').slice(-3).join(' ') || err.message}`,
      {
        cause: e,
      },
    );
  }
}

/** Creates the two databases and their schemas once, then brings them to the server's version (idempotent). */
function setUpSchemas(pgPort: number, dataDir: string, logDir: string): void {
  const { sqlTool: tool, schemaDir } = clusterToolPaths();
  const log = join(logDir, 'schema.log');
  for (const [key, db] of Object.entries(DATABASES)) {
    const made = join(dataDir, `.schema-${db}`);
    if (!existsSync(made)) {
      sqlTool(tool, pgPort, db, ['create-database'], log);
      sqlTool(tool, pgPort, db, ['setup-schema', '-v', '0.0'], log);
      writeFileSync(made, new Date().toISOString() + '\n');
    }
    const versioned = join(schemaDir, key === 'temporal' ? 'temporal' : 'visibility', 'versioned');
    sqlTool(tool, pgPort, db, ['update-schema', '-d', versioned], log);
  }
}

class ServiceDied extends StopWaiting {
  constructor(service: string, log: string) {
    // The log's last lines in the message: a test's folder (and so its logs) is gone by the time one reads it.
    const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
    super(`dịch vụ ${service} đã dừng; xem ${log}${tail ? `\n${tail}` : ''}`);
  }
}

async function stopChild(child: ChildProcess, ms = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts (or starts again) the cluster kept in `dataDir` on ports from `basePort`, registers the
 * namespace and our search attributes, and returns when the frontend answers for that namespace.
 */
export async function startCluster(opts: {
  dataDir: string;
  basePort: number;
  namespace?: string;
  onProgress?: (what: string) => void;
}): Promise<Cluster> {
  const say = opts.onProgress ?? (() => undefined);
  const namespace = opts.namespace ?? 'default';
  const dataDir = resolve(opts.dataDir);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const ports = portsFrom(opts.basePort);
  const { server } = clusterToolPaths();

  say(`PostgreSQL trên cổng ${ports.postgres}…`);
  const pg: Postgres = startPostgres(ports.postgres, { dir: postgresDir(dataDir), maxConnections: 250 });
  const processes = new Map<ServiceName, ChildProcess>();
  const stopAll = async () => {
    for (const name of [...SERVICES].reverse()) {
      const child = processes.get(name);
      if (child) await stopChild(child);
    }
    pg.stop();
  };
  try {
    say('lược đồ cơ sở dữ liệu của Temporal…');
    setUpSchemas(ports.postgres, dataDir, logDir);

    const configRoot = join(dataDir, 'config');
    const dynamic = join(configRoot, 'dynamic.yaml');
    mkdirSync(configRoot, { recursive: true });
    writeFileSync(dynamic, stringify(DYNAMIC_CONFIG));
    for (const [folder, history] of [
      ['main', 'history-1'],
      ['history-2', 'history-2'],
    ] as const) {
      mkdirSync(join(configRoot, folder), { recursive: true });
      writeFileSync(join(configRoot, folder, 'development.yaml'), stringify(serverConfig(ports, history, dynamic)));
    }

    const launch = (name: ServiceName) => {
      // Every process but the second history one reads the main file; the two differ only in history's ports.
      const config = name === 'history-2' ? 'config/history-2' : 'config/main';
      const service = name.startsWith('history') ? 'history' : name;
      const child = spawn(
        server,
        [
          '--root',
          dataDir,
          '--config',
          config,
          '--env',
          'development',
          '--allow-no-auth',
          'start',
          '--service',
          service,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
      // Two sources into one file: neither may end it (the other would write after its end); the exit does.
      child.stdout!.pipe(log, { end: false });
      child.stderr!.pipe(log, { end: false });
      child.once('close', () => log.end());
      processes.set(name, child);
      return child;
    };
    say('các dịch vụ Temporal: history ×2, matching, frontend, worker…');
    // One first: every service writes the cluster's metadata when it finds none, and on a new database
    // two at once race for the row and the loser exits ("failed to initialize current cluster metadata").
    const first = launch(SERVICES[0]!);
    await waitFor(
      `${SERVICES[0]} (nhật ký: ${logDir})`,
      async () => {
        if (first.exitCode !== null) throw new ServiceDied(SERVICES[0]!, join(logDir, `${SERVICES[0]}.log`));
        if (!(await listening(ports[SERVICES[0] as 'history-1'].grpc))) throw new Error('chưa mở cổng');
      },
      60_000,
    );
    for (const name of SERVICES.slice(1)) launch(name);

    const address = `127.0.0.1:${ports.frontend.grpc}`;
    // The frontend answers once it has joined the others; a service that died meanwhile fails the start.
    const connection = await waitFor(
      `Temporal frontend ${address} (nhật ký: ${logDir})`,
      async () => {
        const dead = [...processes].find(([, child]) => child.exitCode !== null);
        if (dead) throw new ServiceDied(dead[0], join(logDir, `${dead[0]}.log`));
        const c = await Connection.connect({ address, connectTimeout: '2s' });
        await c.workflowService.getSystemInfo({});
        return c;
      },
      90_000,
    );
    try {
      say(`không gian tên "${namespace}" và thuộc tính tìm kiếm…`);
      await waitFor(
        'đăng ký không gian tên',
        async () => {
          try {
            await connection.workflowService.registerNamespace({
              namespace,
              workflowExecutionRetentionPeriod: msToTs('30 days'),
            });
          } catch (e) {
            if (!/already exists|AlreadyExists/i.test(String((e as Error).message))) throw e;
          }
          await connection.workflowService.describeNamespace({ namespace });
        },
        60_000,
      );
      await waitFor('thuộc tính tìm kiếm', () => ensureSearchAttributes(connection, namespace), 60_000);
      // A new namespace reaches every frontend and history host through their caches, about 10 s later.
      await waitFor(
        `không gian tên "${namespace}" sẵn sàng`,
        () => connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }),
        60_000,
      );
    } finally {
      await connection.close();
    }
    // A service that died while the others started would leave the cluster half up ("Not enough hosts").
    const dead = [...processes].find(([, child]) => child.exitCode !== null);
    if (dead) throw new ServiceDied(dead[0], join(logDir, `${dead[0]}.log`));

    return {
      address,
      namespace,
      dataDir,
      logDir,
      processes,
      async restart(name) {
        const old = processes.get(name);
        if (old) await stopChild(old);
        launch(name);
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
