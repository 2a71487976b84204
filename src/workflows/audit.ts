import type { Via } from '../domain/unit-model';
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/types';
import type { AuditKind } from '../audit/record';
import { AUDIT_PATCH } from '../audit/patch';

// Audit records were added after the first histories were recorded: the patch keeps those histories
// replayable (they take the old path, without the audit activity). Its id is defined once, beside the
// history reader that looks for its marker.
export { AUDIT_PATCH } from '../audit/patch';

const { recordAudit } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});

export type AuditActor = { channel: string; by: string; via?: Via; ip?: string; userAgent?: string };

/**
 * Records a workflow's acts; keys are the workflow id and a sequence carried over continue-as-new.
 * `record` schedules the activity without awaiting it and, on histories from before the patch, does
 * nothing at all — not even a microtask — so handlers keep the exact command order they had.
 * Callers `flush()` before the workflow completes or continues as new.
 */
export function auditor(runKey: string, unit: string | undefined, startSeq = 0) {
  let seq = startSeq;
  const pending: Promise<unknown>[] = [];
  return {
    get seq() {
      return seq;
    },
    record(kind: AuditKind, data: Record<string, unknown>, actor?: AuditActor): void {
      if (!patched(AUDIT_PATCH)) return;
      const info = workflowInfo();
      pending.push(
        recordAudit({
          key: `${info.workflowId}#${seq++}`,
          runKey,
          kind,
          at: new Date(Date.now()).toISOString(),
          ...(unit ? { unit } : {}),
          ...(actor ? { actor } : {}),
          data,
          eventId: info.historyLength,
        }),
      );
    },
    async flush(): Promise<void> {
      while (pending.length) await pending.shift();
    },
    get pending(): number {
      return pending.length;
    },
  };
}
