import { join } from 'node:path';
import { expect } from 'vitest';
import { FileAuditStore } from '../../src/audit/file-store';
import { unitWorkflowId } from '../../src/workflows/ids';
import type { Stack } from './stack';

const MINUTE = 60_000;

/**
 * When each mail of a unit was decided: each record names the workflow event that decided it, and that
 * event's time (the server's, skipped on the time-skipping server) is when the step fired. The record's own
 * `at` is the worker's wall clock.
 */
export async function firedAt(s: Stack, key: string, unit: string) {
  const h = s.client.workflow.getHandle(unitWorkflowId(key, unit));
  const history = await h.fetchHistory();
  const eventTime = (eventId: number) => {
    const e = history.events!.find((x) => Number(x.eventId) === eventId);
    if (!e?.eventTime) throw new Error(`no event ${eventId} in ${h.workflowId}`);
    return Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6);
  };
  const records = await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(key);
  return (kind: string) =>
    records
      .filter((r) => r.kind === 'message-sent' && r.data.messageKind === kind && r.unit === unit)
      .map((r) => ({ at: eventTime(r.eventId), to: r.data.to as string[] }));
}

/** Each time within a minute after the one wanted: a workflow task takes a moment after its timer. */
export function near(actual: number[], want: number[]): void {
  expect(actual).toHaveLength(want.length);
  actual.forEach((t, i) => {
    expect(t).toBeGreaterThanOrEqual(want[i]!);
    expect(t - want[i]!).toBeLessThan(MINUTE);
  });
}
