import type { Via } from '../domain/unit-model';
import { createHash } from 'node:crypto';

export const AUDIT_KINDS = [
  'run-started',
  'recipients-added',
  'message-sent',
  'delivery-failed',
  'acknowledged',
  'report-submitted',
  'report-accepted',
  'report-returned',
  'extension-granted',
  'extension-requested',
  'difficulty-raised',
  'difficulty-answered',
  'address-corrected',
  'calendar-changed',
  'directive-corrected',
  'correction-received',
  'viewed',
  'bounced',
  'dispatch-resent',
  'recalled',
  'closed',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** An externally visible act, as an activity asks to record it. */
export interface AuditAct {
  /** Stable per act, so however often an activity is retried the act is written once. */
  key: string;
  runKey: string;
  kind: AuditKind;
  /** When the act happened (workflow time), ISO 8601 UTC. */
  at: string;
  unit?: string;
  actor?: { channel: string; by: string; via?: Via; ip?: string; userAgent?: string; auth?: string };
  data: Record<string, unknown>;
  workflowId: string;
  runId: string;
  /** The history's length when the workflow decided the act: the act's events follow it. */
  eventId: number;
}

export interface AuditRecord extends AuditAct {
  /** 1-based position in the run's chain. */
  seq: number;
  recordedAt: string;
  /** SHA-256 of the previous record ("" for the first). */
  prevHash: string;
  /** SHA-256 of this record's canonical JSON without `hash`. */
  hash: string;
}

/** JSON with keys sorted at every level, so the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function hashRecord(r: Omit<AuditRecord, 'hash'>): string {
  const { hash: _drop, ...rest } = r as AuditRecord;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

export function seal(act: AuditAct, seq: number, prevHash: string, recordedAt: Date): AuditRecord {
  const r = { ...act, seq, prevHash, recordedAt: recordedAt.toISOString() };
  return { ...r, hash: hashRecord(r) };
}

export interface ChainFinding {
  seq: number;
  key?: string;
  problem: 'changed' | 'missing-or-reordered' | 'inserted-or-reordered' | 'duplicate-key';
  message: string;
}

/**
 * Checks a run's chain. A changed record no longer matches its own hash; a removed one leaves a gap in
 * `seq` and a broken link; an inserted or moved one breaks the links around it. Each finding names the
 * record by position and key.
 */
export function verifyChain(records: AuditRecord[]): ChainFinding[] {
  const out: ChainFinding[] = [];
  const keys = new Set<string>();
  let prev: AuditRecord | undefined;
  records.forEach((r, i) => {
    const where = `bản ghi thứ ${i + 1} (seq ${r.seq}, ${r.kind}, khóa ${r.key})`;
    if (hashRecord(r) !== r.hash)
      out.push({
        seq: r.seq,
        key: r.key,
        problem: 'changed',
        message: `${where}: nội dung không khớp mã băm của nó (đã bị sửa)`,
      });
    const expectedSeq = prev ? prev.seq + 1 : 1;
    if (r.seq > expectedSeq)
      out.push({
        seq: r.seq,
        key: r.key,
        problem: 'missing-or-reordered',
        message: `${where}: thiếu bản ghi seq ${expectedSeq}${r.seq - expectedSeq > 1 ? `–${r.seq - 1}` : ''} ngay trước (bị xóa hoặc đổi chỗ)`,
      });
    else if (r.seq < expectedSeq)
      out.push({
        seq: r.seq,
        key: r.key,
        problem: 'inserted-or-reordered',
        message: `${where}: seq ${r.seq} đứng sau seq ${prev?.seq} (bị chèn hoặc đổi chỗ)`,
      });
    const rehashed =
      prev !== undefined && r.seq === expectedSeq && hashRecord(r) === r.hash && hashRecord(prev) === prev.hash;
    if (prev && r.prevHash !== prev.hash && rehashed) {
      // This record is intact and follows on, but names another hash for the one before: that one was
      // edited and its hash recomputed alone. Blame it, not this one.
      out.push({
        seq: prev.seq,
        key: prev.key,
        problem: 'changed',
        message: `bản ghi thứ ${i} (seq ${prev.seq}, ${prev.kind}, khóa ${prev.key}): đã bị sửa rồi tính lại mã băm — bản ghi seq ${r.seq} sau nó còn giữ mã băm cũ`,
      });
    } else if (r.prevHash !== (prev?.hash ?? '')) {
      out.push({
        seq: r.seq,
        key: r.key,
        problem: r.seq > expectedSeq ? 'missing-or-reordered' : 'inserted-or-reordered',
        message: `${where}: không nối với bản ghi đứng trước (prevHash sai)`,
      });
      // It links to the record two back: the one between was slipped in, so name it too.
      const before = i >= 2 ? records[i - 2] : undefined;
      if (prev && before && r.prevHash === before.hash)
        out.push({
          seq: prev.seq,
          key: prev.key,
          problem: 'inserted-or-reordered',
          message: `bản ghi thứ ${i} (seq ${prev.seq}, ${prev.kind}, khóa ${prev.key}): bị chèn vào — bản ghi sau nó nối thẳng vào bản ghi trước nó`,
        });
    }
    if (keys.has(r.key))
      out.push({ seq: r.seq, key: r.key, problem: 'duplicate-key', message: `${where}: khóa đã xuất hiện trước đó` });
    keys.add(r.key);
    prev = r;
  });
  return out;
}
