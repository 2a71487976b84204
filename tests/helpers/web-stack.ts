import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { configSchema, type Config } from '../../src/config';
import { createWebServer } from '../../src/web/server';
import { onFreePort } from './ports';
import { devServerStack, type Stack } from './stack';

/**
 * A worker on the dev server and `chidao serve` listening on loopback, for a real browser. The worker
 * writes the public URL into every link it mails, so the port is chosen before the worker starts; if
 * another process takes it in between, everything starts again on another port.
 */
export function listeningStack(
  over: Partial<Record<keyof Config, string>> = {},
): Promise<{ s: Stack; web: FastifyInstance; base: string }> {
  return onFreePort(async (port) => {
    const base = `http://127.0.0.1:${port}`;
    const s = await devServerStack({ CHIDAO_PUBLIC_URL: base, ...over });
    // Runs started from the pages go to the queue this stack's worker polls.
    const web = await createWebServer({ client: s.client, config: { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue } });
    try {
      await web.listen({ host: '127.0.0.1', port });
    } catch (e) {
      await web.close();
      await s.close();
      throw e;
    }
    return { s, web, base };
  });
}

/**
 * `chidao serve` over a data folder with a lazy Temporal client to nowhere: for pages that never reach
 * Temporal (accounts, registries, defaults per urgency), so their tests need no test server.
 */
export async function offlineWebServer(
  dataDir: string,
  over: Record<string, string> = {},
): Promise<{ web: FastifyInstance; config: Config }> {
  const config = configSchema.parse({
    CHIDAO_DATA_DIR: dataDir,
    CHIDAO_LINK_SECRET: randomBytes(32).toString('hex'),
    CHIDAO_SESSION_SECRET: randomBytes(32).toString('hex'),
    ...over,
  });
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  return { web: await createWebServer({ client, config }), config };
}
