import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WebhookEvent } from '../webhooks/event';
import { webhookHeaders } from '../webhooks/sign';
import type { Subscriptions } from '../webhooks/subscriptions';

/** Every attempt, one JSON line: what the administrator reads with `chidao webhook log`. */
export const deliveryLogFile = (dataDir: string) => join(dataDir, 'webhooks', 'deliveries.jsonl');

/**
 * POSTs one event, signed with the subscription's secret (read here, never in a workflow's history).
 * A 2xx is delivered; anything else throws and the workflow's retry policy tries again later.
 */
export function createWebhookActivity(deps: { subscriptions: Subscriptions; dataDir: string }) {
  const log = deliveryLogFile(deps.dataDir);
  const write = (line: Record<string, unknown>) => {
    mkdirSync(dirname(log), { recursive: true });
    appendFileSync(log, `${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`, { mode: 0o600 });
  };
  return async function deliverWebhook(input: { subscription: string; event: WebhookEvent }): Promise<void> {
    const { attempt } = Context.current().info;
    const s = deps.subscriptions.get(input.subscription);
    const base = { subscription: input.subscription, event: input.event.id, type: input.event.type, attempt };
    if (!s || s.removedAt) {
      write({ ...base, outcome: 'removed' });
      return;
    }
    const body = JSON.stringify(input.event);
    const headers = webhookHeaders(s.secret, input.event.id, Math.floor(Date.now() / 1000), body);
    let status: number;
    try {
      const r = await fetch(s.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      status = r.status;
      await r.body?.cancel();
    } catch (e) {
      write({ ...base, url: s.url, outcome: 'unreachable', error: String((e as Error).message).slice(0, 200) });
      throw ApplicationFailure.retryable(`Không gửi được tới ${s.url}: ${(e as Error).message}`, 'WebhookUnreachable');
    }
    write({ ...base, url: s.url, status, outcome: status >= 200 && status < 300 ? 'delivered' : 'refused' });
    if (status < 200 || status >= 300)
      throw ApplicationFailure.retryable(`${s.url} trả lời ${status}`, 'WebhookRefused');
  };
}
