import { messageId, type MessageRequest } from '../domain/messages';
import { verifyDigests } from './digest';
import { localId, readHistory, UPDATE_KIND, type HistoryAct, type HistoryActivity, type HistoryFacts } from './events';
import type { Keyring } from './keys';
import { canonicalJson, verifyChain, type AuditRecord } from './record';
import type { AuditBundle, Finding, FindingKind } from './bundle';
import { completenessFindings } from './completeness';
import { get, hn, label, leaves, messagePairs, show, updatePairs } from './compare';

export type { AuditBundle, Finding, FindingKind, Manifest } from './bundle';

/**
 * How far a record's time may stand from its event's. A workflow's act carries the workflow task's own
 * time (the same clock as the event, so it matches to the millisecond); a message's record is written by
 * the activity between its scheduling and its completion, on the worker's clock, which may drift from
 * the server's by this much.
 */
export const TIME_TOLERANCE_MS = 2_000;

const UPDATE_KINDS = new Set<string>(Object.values(UPDATE_KIND));

const isMessage = (r: AuditRecord) => r.kind === 'message-sent' || r.kind === 'delivery-failed';

class Verifier {
  readonly findings: Finding[] = [];
  private readonly byRun = new Map<string, HistoryFacts>();
  readonly facts: HistoryFacts[];

  /** Each recordAudit call of an update's act, with the update; and the updates left without one. */
  private readonly updateOf = new Map<HistoryActivity, HistoryAct>();
  private readonly unrecorded: { h: HistoryFacts; u: HistoryAct }[] = [];

  constructor(private readonly bundle: AuditBundle) {
    this.facts = bundle.histories.map(readHistory);
    for (const f of this.facts) {
      this.byRun.set(f.runId, f);
      this.pair(f);
    }
  }

  /**
   * Pairs updates with the recordAudit calls they caused, first come first paired: a call takes the
   * earliest unpaired update of its kind accepted before it was scheduled (an update's act is recorded in
   * the task that accepts it, or a later one when the handler awaits first, as addRecipients does).
   */
  private pair(h: HistoryFacts) {
    const open = h.acts.filter((a) => a.kind === 'update' && a.update && UPDATE_KIND[a.update]);
    const calls = [...h.activities.values()]
      .filter((a) => a.type === 'recordAudit' && UPDATE_KINDS.has((a.input[0] as { kind?: string })?.kind ?? ''))
      .sort((x, y) => x.scheduledEventId - y.scheduledEventId);
    for (const c of calls) {
      const kind = (c.input[0] as { kind: string }).kind;
      const i = open.findIndex((u) => UPDATE_KIND[u.update!] === kind && u.eventId < c.scheduledEventId);
      if (i >= 0) this.updateOf.set(c, open.splice(i, 1)[0]!);
    }
    if (h.audited) for (const u of open) this.unrecorded.push({ h, u });
  }

  private where(r: AuditRecord) {
    return `bản ghi seq ${r.seq} (khóa ${r.key})`;
  }

  private differs(r: AuditRecord, h: HistoryFacts, eventId: number, what: string, mine: unknown, theirs: unknown) {
    this.findings.push({
      kind: 'content-mismatch',
      level: 'error',
      message: `${this.where(r)}, workflow ${h.workflowId}, sự kiện ${eventId}: ${what} ${show(mine)} khác lịch sử ${show(theirs)}`,
      seq: r.seq,
      key: r.key,
      workflowId: h.workflowId,
      eventId,
    });
  }

  private problem(kind: FindingKind, message: string, at: Partial<Finding> = {}) {
    this.findings.push({ kind, level: 'error', message, ...at });
  }

  // --- records → histories -----------------------------------------------------------------------

  checkRecords() {
    for (const r of this.bundle.records) {
      const tag = { seq: r.seq, key: r.key, workflowId: r.workflowId };
      if (r.runKey !== this.bundle.runKey) {
        this.problem('record-without-event', `${this.where(r)}: thuộc văn bản khác (${r.runKey})`, tag);
        continue;
      }
      const h = this.byRun.get(r.runId);
      if (!h || h.workflowId !== r.workflowId) {
        this.problem(
          'record-without-event',
          `${this.where(r)}: hành vi "${r.kind}" của workflow ${r.workflowId} (lần chạy ${r.runId}) không có trong các lịch sử đã xuất`,
          tag,
        );
        continue;
      }
      if (isMessage(r)) this.checkMessage(r, h);
      else this.checkAct(r, h);
    }
  }

  /** An act the workflow decided: the record must be exactly what it handed to the recordAudit activity. */
  private checkAct(r: AuditRecord, h: HistoryFacts) {
    const call = [...h.activities.values()].find(
      (a) => a.type === 'recordAudit' && (a.input[0] as { key?: string } | undefined)?.key === r.key,
    );
    if (!call) {
      this.problem(
        'record-without-event',
        `${this.where(r)}, workflow ${h.workflowId}: lịch sử không có hành vi "${r.kind}" nào với khóa này (bản ghi giả)`,
        { seq: r.seq, key: r.key, workflowId: h.workflowId },
      );
      return;
    }
    const asked = call.input[0] as Record<string, unknown>;
    const { seq: _s, prevHash: _p, hash: _h, recordedAt: _r, workflowId: _w, runId: _ru, ...mine } = r;
    const a = leaves(mine);
    const b = leaves(asked);
    for (const path of new Set([...a.keys(), ...b.keys()]))
      if (a.get(path) !== b.get(path))
        this.differs(r, h, call.scheduledEventId, label(path), get(mine, path), get(asked, path));
    const ev = h.events.get(r.eventId);
    if (!ev || ev.type !== 'workflowTaskStarted')
      this.problem(
        'content-mismatch',
        `${this.where(r)}, workflow ${h.workflowId}: sự kiện ${r.eventId} không phải lúc workflow quyết định hành vi`,
        { seq: r.seq, key: r.key, workflowId: h.workflowId, eventId: r.eventId },
      );
    else this.checkTime(r, h, r.eventId, ev.at, ev.at);
    this.checkAgainstUpdate(r, h, call);
  }

  private checkTime(r: AuditRecord, h: HistoryFacts, eventId: number, from: number, to: number) {
    const at = Date.parse(r.at);
    const off = at < from ? from - at : at > to ? at - to : 0;
    if (Number.isNaN(at) || off > TIME_TOLERANCE_MS)
      this.findings.push({
        kind: 'time-mismatch',
        level: 'error',
        message:
          `${this.where(r)}, workflow ${h.workflowId}, sự kiện ${eventId}: thời điểm ${Number.isNaN(at) ? r.at : hn(at)} ` +
          `khác thời điểm trong lịch sử ${hn(from)}${to !== from ? ` – ${hn(to)}` : ''} ` +
          `(lệch ${(off / 1000).toFixed(1)} giây, cho phép ${TIME_TOLERANCE_MS / 1000} giây)`,
        seq: r.seq,
        key: r.key,
        workflowId: h.workflowId,
        eventId,
      });
  }

  /**
   * The record against the update that caused it: the actor, the file hash, reasons, dates as the Office
   * or the unit sent them.
   */
  private checkAgainstUpdate(r: AuditRecord, h: HistoryFacts, call: HistoryActivity) {
    if (!UPDATE_KINDS.has(r.kind)) return;
    const u = this.updateOf.get(call);
    if (!u) {
      this.problem(
        'record-without-event',
        `${this.where(r)}, workflow ${h.workflowId}: không có cập nhật "${r.kind}" nào trước sự kiện ${call.scheduledEventId}`,
        { seq: r.seq, key: r.key, workflowId: h.workflowId, eventId: call.scheduledEventId },
      );
      return;
    }
    const pairs = updatePairs(r, u);
    for (const [path, mine, theirs] of pairs) {
      if (theirs === undefined) continue;
      if (path === 'actor') {
        const a = leaves(mine, 'actor');
        const b = leaves(theirs, 'actor');
        for (const p of new Set([...a.keys(), ...b.keys()]))
          if (a.get(p) !== b.get(p))
            this.differs(r, h, u.eventId, label(p), get({ actor: mine }, p), get({ actor: theirs }, p));
      } else if (canonicalJson(mine) !== canonicalJson(theirs))
        this.differs(r, h, u.eventId, label(path), mine, theirs);
    }
  }

  /** A message: the record against the activity that sent it (its input, its result, its times). */
  private checkMessage(r: AuditRecord, h: HistoryFacts) {
    const a = h.activities.get(String(r.data.activityId));
    if (!a || (a.type !== 'sendMessage' && a.type !== 'sendDigest')) {
      this.problem(
        'record-without-event',
        `${this.where(r)}: thư ${String(r.data.messageId)} không có trong lịch sử của ${h.workflowId}`,
        { seq: r.seq, key: r.key, workflowId: h.workflowId },
      );
      return;
    }
    const ev = a.scheduledEventId;
    const req = a.type === 'sendMessage' ? (a.input[0] as MessageRequest) : undefined;
    const result = a.result as { messageId?: string; accepted?: string[]; rejected?: string[] } | undefined;
    const sent = r.kind === 'message-sent';
    if (sent ? a.outcome !== 'completed' : a.outcome !== 'failed' || a.failureType !== 'RecipientRejected')
      this.problem(
        'content-mismatch',
        `${this.where(r)}, workflow ${h.workflowId}, sự kiện ${ev}: bản ghi nói thư ${sent ? 'đã gửi' : 'bị từ chối'}, lịch sử nói ${a.outcome === 'completed' ? 'đã gửi' : a.outcome === 'open' ? 'chưa xong' : 'thất bại'}`,
        { seq: r.seq, key: r.key, workflowId: h.workflowId, eventId: ev },
      );
    const pairs = messagePairs(r, req, result);
    for (const [path, mine, theirs] of pairs)
      if (canonicalJson(mine ?? null) !== canonicalJson(theirs ?? null))
        this.differs(r, h, ev, label(path), mine, theirs);
    this.checkTime(r, h, ev, a.scheduledAt, a.closedAt ?? Infinity);
  }

  // --- histories → records -------------------------------------------------------------------------

  checkActs() {
    const records = this.bundle.records;
    const keys = new Set(records.map((r) => r.key));
    const messages = new Set(records.filter(isMessage).map((r) => `${r.runId}|${r.kind}|${String(r.data.activityId)}`));
    for (const h of this.facts) {
      for (const a of h.activities.values()) {
        if (a.type === 'recordAudit' && a.outcome === 'completed') {
          const act = a.input[0] as { key: string; kind: string };
          if (!keys.has(act.key))
            this.problem(
              'event-without-record',
              `${h.workflowId} sự kiện ${a.scheduledEventId}: hành vi "${act.kind}" (khóa ${act.key}) không có bản ghi kiểm toán`,
              { workflowId: h.workflowId, eventId: a.scheduledEventId, key: act.key },
            );
        } else if (a.type === 'sendMessage' || a.type === 'sendDigest') this.checkSent(h, a, messages);
      }
    }
    // Every act of an audited workflow has its record.
    for (const { h, u } of this.unrecorded)
      this.problem(
        'event-without-record',
        `${h.workflowId} sự kiện ${u.eventId}: cập nhật ${u.update} ("${UPDATE_KIND[u.update!]}") không có bản ghi kiểm toán`,
        { workflowId: h.workflowId, eventId: u.eventId },
      );
  }

  private checkSent(h: HistoryFacts, a: HistoryActivity, messages: Set<string>) {
    const req = a.type === 'sendMessage' ? (a.input[0] as MessageRequest) : undefined;
    const result = a.result as { messageId?: string } | undefined;
    const id = req ? localId(messageId(req, 'x')) : result?.messageId && localId(result.messageId);
    const what = `${h.workflowId} sự kiện ${a.scheduledEventId}: thư ${id?.replace(/^</, '') ?? '(tổng hợp)'}${req ? ` (${req.kind}) → ${req.to.join(', ')}` : ''}`;
    if (a.outcome === 'completed' && !messages.has(`${h.runId}|message-sent|${a.activityId}`))
      this.problem('event-without-record', `${what} đã gửi nhưng không có bản ghi kiểm toán`, {
        workflowId: h.workflowId,
        eventId: a.scheduledEventId,
      });
    if (a.failureType === 'RecipientRejected' && !messages.has(`${h.runId}|delivery-failed|${a.activityId}`))
      this.problem('event-without-record', `${what} bị từ chối nhưng không có bản ghi kiểm toán`, {
        workflowId: h.workflowId,
        eventId: a.scheduledEventId,
      });
  }
}

/** Improves on the chain's own findings where content tells more. */
function chainFindings(records: AuditRecord[]): Finding[] {
  return verifyChain(records).map((f) => ({
    kind: f.problem,
    level: 'error' as const,
    message: f.message,
    seq: f.seq,
    ...(f.key ? { key: f.key } : {}),
  }));
}

/**
 * Everything an auditor can check from an export and the office's public keys: the chain; each record
 * against the history event it cites (actor, channel, time, recipients, Message-ID, file hash, dates,
 * reasons) and each act in a history against its record; every child and earlier run present; the
 * manifest; and the signed digests. Findings name the record (seq and key), the workflow and the event.
 */
export function verifyBundle(bundle: AuditBundle, keyring?: Keyring): Finding[] {
  const v = new Verifier(bundle);
  v.checkRecords();
  v.checkActs();
  const digests = verifyDigests(bundle.records, bundle.digests ?? [], keyring).map((d) => ({
    kind: d.problem,
    level: d.level,
    message: d.message,
    ...(d.seq !== undefined ? { seq: d.seq } : {}),
    ...(d.key ? { key: d.key } : {}),
  }));
  return [...chainFindings(bundle.records), ...v.findings, ...completenessFindings(bundle, v.facts), ...digests];
}
