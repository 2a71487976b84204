// A chidao worker in its own process, so a test can kill it for real (SIGSTOP/SIGKILL).
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { connectClient } from '../../src/client/connection';
import { connectWorker, createChidaoWorker } from '../../src/worker/create-worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const config = loadConfig();
const client = await connectClient(config);
const connection = await connectWorker(config);
const { run } = await createChidaoWorker({
  config,
  client,
  connection,
  workflowBundle: { codePath: process.env.CHIDAO_TEST_BUNDLE! },
});
process.stdout.write('ready\n');
await run();
