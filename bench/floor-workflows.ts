import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

/**
 * The floor for fan-out: the same tree as a dissemination run (run → batches → one child per unit →
 * one activity each), with nothing inside.
 */
const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function floorRun(n: number, batchSize: number): Promise<void> {
  const id = workflowInfo().workflowId;
  const batches = Math.ceil(n / batchSize);
  await Promise.all(
    Array.from({ length: batches }, (_, b) =>
      executeChild(floorBatch, { workflowId: `${id}/batch-${b}`, args: [Math.min(batchSize, n - b * batchSize)] }),
    ),
  );
}

export async function floorBatch(size: number): Promise<void> {
  const id = workflowInfo().workflowId;
  await Promise.all(Array.from({ length: size }, (_, i) => executeChild(floorUnit, { workflowId: `${id}/unit-${i}` })));
}

export async function floorUnit(): Promise<void> {
  await noop();
}
