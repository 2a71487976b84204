import type { Client } from '@temporalio/client';
import { vnClock } from '../domain/templates';
import { vnLateness } from '../domain/vn-format';
import { mailHealthQuery, mailHealthWorkflowId, type MailHealth } from '../workflows/mail-health';

export type { MailHealth } from '../workflows/mail-health';

/**
 * The mail server's health as the workers of a task queue last reported it. Undefined when no worker
 * ever saw it fail (no record), when no worker answers within `timeoutMs`, or on any other error:
 * status and the dashboard show it beside what they have, and must not fail for want of it.
 */
export async function readMailHealth(
  client: Client,
  taskQueue: string,
  timeoutMs = 3000,
): Promise<MailHealth | undefined> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () =>
      client.workflow.getHandle(mailHealthWorkflowId(taskQueue)).query(mailHealthQuery),
    );
  } catch {
    return undefined;
  }
}

/**
 * One Vietnamese sentence for status and the dashboard while mail waits on the server, e.g. "Đang chờ
 * máy chủ thư: chưa gửi được từ 14:02 25/11/2026, đã 38 phút; thư của 2 văn bản đang chờ (lỗi gần
 * nhất: …)."; undefined when the server is up or nothing is known.
 */
export function describeMailHealth(h: MailHealth | undefined, now: number): string | undefined {
  if (!h || h.state !== 'down') return undefined;
  const waited = vnLateness(Math.max(0, now - h.since), 0);
  const runs = h.affectedRuns.length + h.moreAffectedRuns;
  return (
    `Đang chờ máy chủ thư: chưa gửi được từ ${vnClock(h.since)}, đã ${waited}` +
    (runs ? `; thư của ${runs} văn bản đang chờ` : '') +
    (h.lastError ? ` (lỗi gần nhất: ${h.lastError})` : '') +
    '.'
  );
}
