import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { ReplayWorkerOptions } from '@temporalio/worker';
import { actsOf, localId, UPDATE_KIND, type HistoryAct } from './events';
import {
  fetchRunHistories,
  readHistories,
  replayHistories,
  writeHistories,
  type NamedHistory,
  type ReplayOutcome,
} from './histories';
import { verifyChain, type AuditRecord, type ChainFinding } from './record';
import type { AuditStore } from './store';

// Moved to ./timeline (the pages need it without the replayer); kept here for existing importers.
export { timeline, renderTimeline, type TimelineEntry } from './timeline';

/** An export: histories that outlive Temporal's retention, and the run's audit records beside them. */
export interface AuditBundle {
  runKey: string;
  histories: NamedHistory[];
  records: AuditRecord[];
}

export async function exportRun(
  client: Client,
  store: AuditStore,
  runKey: string,
  folder: string,
): Promise<{ histories: number; records: number }> {
  const histories = await fetchRunHistories(client, runKey);
  const records = await store.list(runKey);
  mkdirSync(folder, { recursive: true });
  writeHistories(join(folder, 'histories'), histories);
  writeFileSync(
    join(folder, 'audit.jsonl'),
    records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''),
  );
  writeFileSync(
    join(folder, 'manifest.json'),
    JSON.stringify(
      { runKey, exportedAt: new Date().toISOString(), histories: histories.length, records: records.length },
      null,
      2,
    ) + '\n',
  );
  return { histories: histories.length, records: records.length };
}

export function readExport(folder: string): AuditBundle {
  if (!existsSync(join(folder, 'manifest.json')))
    throw new Error(`${folder}: không phải thư mục xuất kiểm toán (thiếu manifest.json)`);
  const { runKey } = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { runKey: string };
  const records = readFileSync(join(folder, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as AuditRecord;
      } catch {
        throw new Error(`${join(folder, 'audit.jsonl')}:${i + 1}: dòng không phải JSON`);
      }
    });
  return { runKey, histories: readHistories(join(folder, 'histories')), records };
}

export async function loadBundle(
  target: string,
  client: () => Promise<Client>,
  store: () => AuditStore,
): Promise<AuditBundle> {
  if (existsSync(target)) return readExport(target);
  const runKey = target;
  const s = store();
  try {
    return { runKey, histories: await fetchRunHistories(await client(), runKey), records: await s.list(runKey) };
  } finally {
    await s.close();
  }
}

export async function replayBundle(
  bundle: AuditBundle,
  worker: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'>,
): Promise<ReplayOutcome[]> {
  return replayHistories(bundle.histories, worker);
}

// --- verify -------------------------------------------------------------------------------------------

export interface Finding {
  kind: ChainFinding['problem'] | 'record-without-event' | 'event-without-record';
  message: string;
}

/**
 * Checks the chain, then histories and records against each other both ways: every message a history
 * shows sent has its record, every act of an audited workflow has its record, and every record has
 * the event it claims.
 */
export function verifyBundle(bundle: AuditBundle): Finding[] {
  const findings: Finding[] = verifyChain(bundle.records).map((f) => ({ kind: f.problem, message: f.message }));
  const records = bundle.records.filter((r) => r.runKey === bundle.runKey);
  const byMessage = new Map(
    records.filter((r) => r.kind === 'message-sent').map((r) => [localId(String(r.data.messageId)), r]),
  );
  const acts: HistoryAct[] = [];
  const auditedWorkflows = new Set<string>();
  for (const h of bundle.histories) {
    const { acts: a, audited } = actsOf(h);
    acts.push(...a);
    if (audited) auditedWorkflows.add(h.workflowId);
  }

  const sent = acts.filter((a) => a.kind === 'message');
  const sentIds = new Set(sent.map((a) => a.messageLocalId!));
  for (const a of sent) {
    if (!byMessage.has(a.messageLocalId!))
      findings.push({
        kind: 'event-without-record',
        message: `${a.workflowId} sự kiện ${a.eventId}: thư ${a.messageLocalId}> đã gửi nhưng không có bản ghi kiểm toán`,
      });
  }
  for (const [id, r] of byMessage) {
    if (!sentIds.has(id))
      findings.push({
        kind: 'record-without-event',
        message: `bản ghi seq ${r.seq} (${r.key}): thư không có trong lịch sử workflow nào`,
      });
  }

  // Acts decided in workflows: counted per workflow and kind, both ways.
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const fromHistory = new Map<string, number>();
  for (const a of acts) {
    if (a.kind !== 'update' || !a.update || !auditedWorkflows.has(a.workflowId)) continue;
    const kind = UPDATE_KIND[a.update];
    if (kind) count(fromHistory, `${a.workflowId}|${kind}`);
  }
  for (const h of bundle.histories) {
    if (!auditedWorkflows.has(h.workflowId) || !/^chidao\/[^/]+$/.test(h.workflowId)) continue;
    count(fromHistory, `${h.workflowId}|run-started`);
  }
  const fromRecords = new Map<string, number>();
  const known = new Set(bundle.histories.map((h) => h.workflowId));
  for (const r of records) {
    if (r.kind === 'message-sent' || r.kind === 'delivery-failed') continue;
    if (!known.has(r.workflowId)) {
      findings.push({
        kind: 'record-without-event',
        message: `bản ghi seq ${r.seq} (${r.key}): workflow ${r.workflowId} không có trong lịch sử`,
      });
      continue;
    }
    count(fromRecords, `${r.workflowId}|${r.kind}`);
  }
  for (const [k, n] of fromHistory) {
    const m = fromRecords.get(k) ?? 0;
    if (m < n)
      findings.push({
        kind: 'event-without-record',
        message: `${k.replace('|', ': ')} — lịch sử có ${n}, bản ghi kiểm toán có ${m}`,
      });
  }
  for (const [k, m] of fromRecords) {
    const n = fromHistory.get(k) ?? 0;
    if (m > n)
      findings.push({
        kind: 'record-without-event',
        message: `${k.replace('|', ': ')} — bản ghi kiểm toán có ${m}, lịch sử chỉ có ${n}`,
      });
  }
  return findings;
}
