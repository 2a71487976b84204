import 'vitest';
import { PRIORITY_ARGS } from '../src/dev/temporal-server';
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
import { onFreePort } from './helpers/ports';
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

/**
 * Once per run: the real dev server, a real SMTP server with its HTTP API, and one workflow bundle. A step
 * that fails stops what the steps before it started (no dev server or PostgreSQL left running).
 */
export default async function setup(project: TestProject) {
  const tools = toolPaths();
  const tmpDir = mkdtempSync(join(tmpdir(), 'chidao-test-'));
  const stops: (() => Promise<void> | void)[] = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const [env, bundle] = await Promise.all([
      TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: tools.temporal },
          searchAttributes: [SA_DIRECTIVE, SA_UNIT, SA_STAGE, SA_OVERDUE],
          ip: '127.0.0.1',
          extraArgs: PRIORITY_ARGS,
        },
      }).then((e) => {
        stops.push(() => e.teardown());
        return e;
      }),
      bundleWorkflowCode({
        workflowsPath,
        logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
      }),
    ]);
    const bundlePath = join(tmpDir, 'workflow-bundle.js');
    writeFileSync(bundlePath, bundle.code);

    // A throwaway PostgreSQL cluster for the audit store's tests; a port taken meanwhile is tried again.
    const pg = await onFreePort((port) => startPostgres(port));
    stops.push(() => pg.stop());

    const { maildev, smtpPort, webPort } = await onFreePort((smtpPort) =>
      onFreePort(async (webPort) => {
        const maildev = new MailDev({
          smtp: smtpPort,
          web: webPort,
          ip: '127.0.0.1',
          webIp: '127.0.0.1',
          silent: true,
          mailDirectory: join(tmpDir, 'mail'),
        } as never);
        await maildev.start();
        return { maildev, smtpPort, webPort };
      }),
    );
    stops.push(() => maildev.stop());

    project.provide('temporalAddress', env.address);
    project.provide('smtpPort', smtpPort);
    project.provide('mailApi', `http://127.0.0.1:${webPort}/api`);
    project.provide('bundlePath', bundlePath);
    project.provide('testServerPath', tools.testServer);
    project.provide('tmpDir', tmpDir);
    project.provide('pgUrl', pg.url);
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}
