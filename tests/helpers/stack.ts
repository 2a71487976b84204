import { inject } from 'vitest';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createChidaoWorker } from '../../src/worker/create-worker';
import { createSmtpMailer, type Mailer } from '../../src/activities/mailer';
import { configSchema, type Config } from '../../src/config';

/** Runs fn, failing fast if the worker (running for the whole file) dies meanwhile. */
function guardedBy(running: Promise<void>) {
  return <T>(fn: () => Promise<T>): Promise<T> =>
    Promise.race([fn(), running.then(() => Promise.reject(new Error('worker stopped')) as Promise<T>)]);
}

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export function testConfig(over: Partial<Record<keyof Config, string>> = {}): Config {
  return configSchema.parse({
    CHIDAO_SMTP_URL: `smtp://127.0.0.1:${inject('smtpPort')}?ignoreTLS=true`,
    CHIDAO_DATA_DIR: mkdtempSync(join(inject('tmpDir'), 'data-')),
    // Random per test file: no test relies on a secret written down anywhere.
    CHIDAO_LINK_SECRET: randomBytes(32).toString('hex'),
    CHIDAO_SESSION_SECRET: randomBytes(32).toString('hex'),
    ...over,
  });
}

export interface Stack {
  client: Client;
  connection: NativeConnection;
  taskQueue: string;
  config: Config;
  mailer: Mailer;
  worker: Worker;
  env?: TestWorkflowEnvironment;
  /** Runs fn while the worker polls. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function makeWorker(
  connection: NativeConnection,
  client: Client,
  taskQueue: string,
  config: Config,
  mailer: Mailer,
): Promise<{ worker: Worker; run: () => Promise<void> }> {
  return createChidaoWorker({
    config: { ...config, CHIDAO_TASK_QUEUE: taskQueue },
    client,
    connection,
    mailer,
    workflowBundle: { codePath: inject('bundlePath') },
  });
}

/** A worker on the time-skipping test server (its own JVM), sending real mail to the shared SMTP server. */
export async function timeSkippingStack(
  over: Partial<Record<keyof Config, string>> = {},
  mailer?: Mailer,
): Promise<Stack> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
  });
  const config = testConfig(over);
  const taskQueue = `ts-${Math.random().toString(36).slice(2)}`;
  const m = mailer ?? createSmtpMailer({ url: config.CHIDAO_SMTP_URL, rate: 1000, poolSize: 2 });
  const { worker, run } = await makeWorker(env.nativeConnection, env.client, taskQueue, config, m);
  const running = run();
  return {
    client: env.client,
    connection: env.nativeConnection,
    taskQueue,
    config,
    mailer: m,
    worker,
    env,
    run: guardedBy(running),
    async close() {
      // A test may have stopped the worker itself (a worker outage).
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      m.close();
      await env.teardown();
    },
  };
}

/** A worker on the shared dev server (real visibility, search attributes), or on the server at `address`. */
export async function devServerStack(
  over: Partial<Record<keyof Config, string>> = {},
  address = inject('temporalAddress'),
): Promise<Stack> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address });
  const client = new Client({ connection: await (await import('@temporalio/client')).Connection.connect({ address }) });
  const config = testConfig(over);
  // A given queue lets a second worker take over the first one's workflows (a restart).
  const taskQueue = over.CHIDAO_TASK_QUEUE ?? `dev-${Math.random().toString(36).slice(2)}`;
  const mailer = createSmtpMailer({ url: config.CHIDAO_SMTP_URL, rate: 1000, poolSize: 3 });
  const { worker, run } = await makeWorker(connection, client, taskQueue, config, mailer);
  const running = run();
  return {
    client,
    connection,
    taskQueue,
    config,
    mailer,
    worker,
    run: guardedBy(running),
    async close() {
      // A test may have stopped the worker itself (a worker outage).
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      mailer.close();
      await connection.close();
      await client.connection.close();
    },
  };
}
