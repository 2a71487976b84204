import { runWorkflowId } from '../workflows/ids';
import type { AuditBundle, Finding, FindingKind } from './bundle';
import type { HistoryFacts } from './events';

/**
 * The export as a whole: the run's history, every child a run or batch started and every earlier run a
 * workflow continued as new from are present, and the manifest's counts match the files.
 */
export function completenessFindings(bundle: AuditBundle, facts: HistoryFacts[]): Finding[] {
  const out: Finding[] = [];
  const problem = (kind: FindingKind, message: string, at: Partial<Finding> = {}) =>
    out.push({ kind, level: 'error', message, ...at });
  const runs = new Set(facts.map((f) => f.runId));
  const ids = new Set(facts.map((f) => f.workflowId));
  const run = runWorkflowId(bundle.runKey);
  if (!ids.has(run)) problem('missing-history', `thiếu lịch sử của đợt gửi ${run}`, { workflowId: run });
  for (const h of facts) {
    for (const c of h.children)
      if (!ids.has(c.workflowId))
        problem(
          'missing-history',
          `${h.workflowId} sự kiện ${c.eventId} khởi động workflow con ${c.workflowId}, nhưng lịch sử của nó không có trong bản xuất`,
          { workflowId: c.workflowId, eventId: c.eventId },
        );
    if (h.continuedFrom && !runs.has(h.continuedFrom))
      problem(
        'missing-history',
        `${h.workflowId}: thiếu lịch sử lần chạy ${h.continuedFrom} mà lần chạy ${h.runId} tiếp nối (continue-as-new)`,
        { workflowId: h.workflowId },
      );
  }
  const m = bundle.manifest;
  if (!m) return out;
  const counts: [string, number | undefined, number][] = [
    ['lịch sử workflow', m.histories, bundle.histories.length],
    ['bản ghi kiểm toán', m.records, bundle.records.length],
    ['chữ ký số', m.digests, bundle.digests?.length ?? 0],
  ];
  for (const [what, said, found] of counts)
    if (said !== undefined && said !== found)
      problem('manifest-mismatch', `manifest.json ghi ${said} ${what}, bản xuất có ${found}`);
  return out;
}
