import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

// A worker for the floor workflows, in its own process like ours, so both are measured the same way.
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const worker = await Worker.create({
  connection,
  taskQueue: process.env.CHIDAO_TASK_QUEUE!,
  ...(process.env.FLOOR_WORKFLOW_BUNDLE
    ? { workflowBundle: { codePath: process.env.FLOOR_WORKFLOW_BUNDLE } }
    : { workflowsPath: fileURLToPath(new URL('./floor-workflows.ts', import.meta.url)) }),
  activities: { noop: async () => undefined },
});
console.log('floor worker ready');
await worker.run();
await connection.close();
