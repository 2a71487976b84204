import 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { MailDev } from 'maildev';
import type { TestProject } from 'vitest/node';
import { toolPaths } from '../src/dev/tools';
import { workflowsPath } from '../src/workflows-path';
import { SA_DIRECTIVE, SA_OVERDUE, SA_STAGE, SA_UNIT } from '../src/workflows/search-attributes';
import { freePort } from './helpers/ports';
import { startPostgres } from '../src/dev/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    smtpPort: number;
    mailApi: string;
    bundlePath: string;
    testServerPath: string;
    tmpDir: string;
    pgUrl: string;
  }
}

/** Once per run: the real dev server, a real SMTP server with its HTTP API, and one workflow bundle. */
export default async function setup(project: TestProject) {
  const tools = toolPaths();
  const tmpDir = mkdtempSync(join(tmpdir(), 'chidao-test-'));
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: tools.temporal },
        searchAttributes: [SA_DIRECTIVE, SA_UNIT, SA_STAGE, SA_OVERDUE],
        ip: '127.0.0.1',
      },
    }),
    bundleWorkflowCode({
      workflowsPath,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
    }),
  ]);
  const bundlePath = join(tmpDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);

  // A throwaway PostgreSQL cluster for the audit store's tests.
  const pg = startPostgres(await freePort());

  const smtpPort = await freePort();
  const webPort = await freePort();
  const maildev = new MailDev({
    smtp: smtpPort,
    web: webPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    silent: true,
    mailDirectory: join(tmpDir, 'mail'),
  } as never);
  await maildev.start();

  project.provide('temporalAddress', env.address);
  project.provide('smtpPort', smtpPort);
  project.provide('mailApi', `http://127.0.0.1:${webPort}/api`);
  project.provide('bundlePath', bundlePath);
  project.provide('testServerPath', tools.testServer);
  project.provide('tmpDir', tmpDir);
  project.provide('pgUrl', pg.url);

  return async () => {
    await maildev.stop();
    await env.teardown();
    pg.stop();
  };
}
