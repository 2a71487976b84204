import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { deliveryLogFile } from '../../src/activities/webhooks';
import { Subscriptions } from '../../src/webhooks/subscriptions';
import { webhookTaskQueue } from '../../src/workflows/ids';
import { webhookDelivery } from '../../src/workflows/webhook-delivery';
import { timeSkippingStack, type Stack } from '../helpers/stack';
import { replayHistories, writeHistories } from '../../src/audit/histories';

/** A receiver that refuses for three days: the delivery stops retrying, and the log says it gave up. */
let s: Stack;
let receiver: Server;
let refused = 0;

beforeAll(async () => {
  s = await timeSkippingStack();
  receiver = createServer((_req, res) => {
    refused++;
    res.writeHead(503).end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise<void>((r) => receiver?.close(() => r()));
  await s?.close();
});

describe('a webhook receiver that never recovers', () => {
  it('is retried with backoff for three days, then the delivery gives up with a line in the log', async () => {
    const port = (receiver.address() as { port: number }).port;
    const sub = new Subscriptions(s.config.CHIDAO_DATA_DIR).add(`http://127.0.0.1:${port}/hook`, ['acknowledged']);
    const event = {
      id: 'evt-gave-up-1',
      type: 'acknowledged',
      timestamp: new Date().toISOString(),
      data: { runKey: '2023-1-VP', unit: 'T1', detail: {} },
    };
    const handle = await s.client.workflow.start(webhookDelivery, {
      workflowId: `webhook-gave-up-${Date.now()}`,
      taskQueue: s.taskQueue,
      args: [{ subscription: sub.id, event, activityQueue: webhookTaskQueue(s.taskQueue) }],
    });
    await s.run(() => expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError));

    const lines = readFileSync(deliveryLogFile(s.config.CHIDAO_DATA_DIR), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; event: string; attempt?: number; error?: string });
    const attempts = lines.filter((l) => l.outcome === 'refused');
    // 2 s doubling to 10 minutes over three days: about 440 attempts, each one logged.
    expect(attempts.length).toBe(refused);
    expect(attempts.length).toBeGreaterThan(400);
    expect(lines.at(-1)).toMatchObject({ outcome: 'gave-up', event: 'evt-gave-up-1', type: 'acknowledged' });
    expect(lines.filter((l) => l.outcome === 'gave-up')).toHaveLength(1);
    // The path with the new command replays with the current code, and is kept as a fixture.
    const h = [{ workflowId: handle.workflowId, history: await handle.fetchHistory() }];
    const tag = process.env.CHIDAO_RECORD_FIXTURES;
    if (tag) writeHistories(`tests/fixtures/histories/${tag}-a-webhook-delivery-that-gave-up`, h);
    const replayed = await replayHistories(h, { workflowBundle: { codePath: inject('bundlePath') } });
    expect(replayed.map((r) => r.ok)).toEqual([true]);
  });
});
