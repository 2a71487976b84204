import { appendFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { WebhookEvent } from '../webhooks/event';
import { webhookHeaders } from '../webhooks/sign';
import type { Subscriptions } from '../webhooks/subscriptions';

/** Every attempt, one JSON line: what the administrator reads with `chidao webhook log`. */
export const deliveryLogFile = (dataDir: string) => join(dataDir, 'webhooks', 'deliveries.jsonl');

/** A log past this size is set aside as deliveries-<time>.jsonl; the newest few of those are kept. */
export const DELIVERY_LOG_MAX_BYTES = 10 * 1024 * 1024;
const ROTATED_KEPT = 5;

/** Appends one line, first setting the log aside when it has grown past `maxBytes`. */
export function appendDeliveryLine(log: string, line: Record<string, unknown>, maxBytes = DELIVERY_LOG_MAX_BYTES) {
  mkdirSync(dirname(log), { recursive: true });
  let size = 0;
  try {
    size = statSync(log).size;
  } catch {
    // No log yet.
  }
  if (size > maxBytes) {
    // Time first, so names sort oldest first; a random tail, so two rotations in one millisecond differ.
    const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    renameSync(log, log.replace(/\.jsonl$/, `-${stamp}.jsonl`));
    const dir = dirname(log);
    const rotated = readdirSync(dir)
      .filter((f) => /^deliveries-.+\.jsonl$/.test(f))
      .sort();
    for (const f of rotated.slice(0, -ROTATED_KEPT)) rmSync(join(dir, f), { force: true });
  }
  appendFileSync(log, `${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`, { mode: 0o600 });
}

/**
 * POSTs one event, signed with the subscription's secret (read here, never in a workflow's history).
 * A 2xx is delivered; anything else throws and the workflow's retry policy tries again later.
 */
export function createWebhookActivities(deps: { subscriptions: Subscriptions; dataDir: string }) {
  const log = deliveryLogFile(deps.dataDir);
  // The log is for people: a full disk must not turn a delivered event into a retried one.
  const write = (line: Record<string, unknown>) => {
    try {
      appendDeliveryLine(log, line);
    } catch {
      // Nothing to do: the delivery itself stands.
    }
  };
  // Failures are expected (a receiver down): BENIGN keeps them out of the worker's WARN lines.
  const failure = (message: string, type: string) =>
    ApplicationFailure.create({ message, type, category: ApplicationFailureCategory.BENIGN });
  async function deliverWebhook(input: { subscription: string; event: WebhookEvent }): Promise<void> {
    const { attempt } = Context.current().info;
    const s = deps.subscriptions.get(input.subscription);
    const base = { subscription: input.subscription, event: input.event.id, type: input.event.type, attempt };
    if (s?.removedAt) {
      write({ ...base, outcome: 'removed' });
      return;
    }
    // Not in this worker's data folder (yet): wait for it rather than drop the event.
    if (!s)
      throw failure(`Không thấy đăng ký ${input.subscription} trong thư mục dữ liệu của worker này`, 'WebhookUnknown');
    // Only the origin in messages and logs: a path or query may carry the receiver's own token.
    const where = new URL(s.url).origin;
    const body = JSON.stringify(input.event);
    const headers = webhookHeaders(s.secret, input.event.id, Math.floor(Date.now() / 1000), body);
    let status: number;
    try {
      // A redirect is not followed: the signed body would go wherever the receiver points, https or not.
      const r = await fetch(s.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      status = r.status;
      await r.body?.cancel();
    } catch (e) {
      write({ ...base, to: where, outcome: 'unreachable', error: String((e as Error).message).slice(0, 200) });
      throw failure(`Không gửi được tới ${where}: ${(e as Error).message}`, 'WebhookUnreachable');
    }
    write({ ...base, to: where, status, outcome: status >= 200 && status < 300 ? 'delivered' : 'refused' });
    if (status < 200 || status >= 300) throw failure(`${where} trả lời ${status}`, 'WebhookRefused');
  }
  /** Retries ran out (three days): the administrator reads it in the log, not only in Temporal. */
  async function noteWebhookGaveUp(input: {
    subscription: string;
    event: Pick<WebhookEvent, 'id' | 'type'>;
    reason: string;
  }): Promise<void> {
    const { subscription, event, reason } = input;
    write({ subscription, event: event.id, type: event.type, outcome: 'gave-up', error: reason.slice(0, 200) });
  }
  return { deliverWebhook, noteWebhookGaveUp };
}
