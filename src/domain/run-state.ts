import { instantAt, localDateOf, type WorkingCalendar } from './calendar';
import type { Duration } from './duration';
import type { StageCounts } from './messages';
// Types only: plan holds zod schemas (through directive), which must stay out of the workflow bundle.
import type { RecipientInfo } from './plan';
import { OFFICE_HOURS_START } from './schedule';
import { LIMITS, LifecycleRefusal, type Actor, type Stage } from './unit-model';
import { checkCorrection, type Correction, type CorrectionInput } from './correction';

/** Those who receive the directive and the summary but no deadline: few, so the run keeps them. */
export interface InfoRecipient {
  code: string;
  name: string;
  emails: string[];
  role: RecipientInfo['role'];
  purpose: string;
  delivered: boolean;
}

export interface RunStop {
  stage: 'recalled' | 'closed';
  reason: string;
  by: string;
  at: number;
}

export interface RunState {
  expected: number;
  /** Unit codes already in the run: a unit is added once. */
  roster: string[];
  batches: { no: number; size: number; finished?: { counts: StageCounts; total: number } }[];
  info: InfoRecipient[];
  /** Per-party message sequences of the messages the run sends itself. */
  seq: number;
  auditSeq?: number;
  stop?: RunStop;
  startedAt: number;
  /** Corrections and replacements issued for the directive (version 2 on); absent before the first. */
  corrections?: Correction[];
}

/** Most units one addRecipients call may carry: keeps each update's payload far below 2 MB. */
export const MAX_RECIPIENTS_PER_UPDATE = 500;

/** An act of the run the audit trail keeps. */
export interface RunAudit {
  kind: 'recipients-added' | 'closed' | 'recalled' | 'directive-corrected';
  data: Record<string, unknown>;
  actor?: Actor;
}

/** Units by stage, overdue ones counted apart: what a batch reports and a digest or summary shows. */
export function countStages(outcomes: readonly { stage: Stage; overdue: boolean }[]): StageCounts {
  const counts: StageCounts = {};
  for (const o of outcomes) {
    counts[o.stage] = (counts[o.stage] ?? 0) + 1;
    if (o.overdue) counts.overdue = (counts.overdue ?? 0) + 1;
  }
  return counts;
}

/** The counts of several batches added up. */
export function addCounts(all: readonly StageCounts[]): StageCounts {
  const counts: StageCounts = {};
  for (const c of all)
    for (const [k, v] of Object.entries(c))
      counts[k as keyof StageCounts] = (counts[k as keyof StageCounts] ?? 0) + (v ?? 0);
  return counts;
}

/**
 * When the next digest of a run is due, `every` after `now`. A period in working days skips weekends and
 * days off and lands at the start of office hours; exact and calendar periods run from `now`.
 * Undefined when there is no digest (or a zero period).
 */
export function nextDigestAt(every: Duration | undefined, now: number, cal: WorkingCalendar): number | undefined {
  if (!every) return undefined;
  if (every.kind === 'exact') return every.ms ? now + every.ms : undefined;
  if (every.days <= 0) return undefined;
  if (every.kind === 'calendar') return now + every.days * 86_400_000;
  const { hour, minute } = OFFICE_HOURS_START;
  return instantAt(cal.addWorkingDays(localDateOf(now), every.days), hour, minute);
}

/**
 * The run's own state: who is in it, its batches and info-only recipients, and whether the Office has
 * closed or recalled it. Its acts check their rules (the validators call the same checks) and return
 * what the audit trail must keep.
 */
export class RunBook {
  private readonly roster: Set<string>;

  constructor(
    private readonly s: RunState,
    private readonly ref: string,
  ) {
    this.roster = new Set(s.roster);
  }

  static fresh(expected: number, startedAt: number): RunState {
    return { expected, roster: [], batches: [], info: [], seq: 0, startedAt };
  }

  /** The state to carry over continue-as-new (or to show); callers must not change it. */
  get view(): Readonly<RunState> {
    return this.s;
  }
  get stop(): RunStop | undefined {
    return this.s.stop;
  }
  get added(): string[] {
    return [...this.roster];
  }
  get allFinished(): boolean {
    return this.s.batches.every((b) => b.finished);
  }
  unfinishedBatches(): number[] {
    return this.s.batches.filter((b) => !b.finished).map((b) => b.no);
  }
  /** The next number of the run's own message sequence. */
  nextSeq(): number {
    return this.s.seq++;
  }

  private refuseIfStopped(suffix: string): void {
    const stop = this.s.stop;
    if (!stop) return;
    const recalled = stop.stage === 'recalled';
    const what = recalled ? 'bị thu hồi' : 'kết thúc';
    throw new LifecycleRefusal(recalled ? 'DirectiveRecalled' : 'RunClosed', `Đợt gửi ${this.ref} đã ${what}${suffix}`);
  }

  checkAddRecipients(recipients: readonly RecipientInfo[]): void {
    this.refuseIfStopped('; không thể thêm nơi nhận.');
    if (recipients.length === 0) throw new LifecycleRefusal('NoRecipients', 'Không có nơi nhận nào để thêm.');
    if (recipients.length > MAX_RECIPIENTS_PER_UPDATE)
      throw new LifecycleRefusal('TooMany', `Mỗi lần thêm tối đa ${MAX_RECIPIENTS_PER_UPDATE} nơi nhận.`);
    const dup = recipients.find((r) => this.roster.has(r.code));
    if (dup) throw new LifecycleRefusal('AlreadyAdded', `Đơn vị "${dup.code}" đã có trong đợt gửi ${this.ref}.`);
  }

  /** Adds the units to the roster; returns the implementing units in chunks of `batchSize`. */
  addRecipients(recipients: readonly RecipientInfo[], batchSize: number): RecipientInfo[][] {
    this.checkAddRecipients(recipients);
    for (const r of recipients) this.roster.add(r.code);
    this.s.roster = [...this.roster];
    this.s.expected = Math.max(this.s.expected, this.roster.size);
    const implementers = recipients.filter((r) => r.role === 'implement');
    const chunks: RecipientInfo[][] = [];
    for (let i = 0; i < implementers.length; i += batchSize) chunks.push(implementers.slice(i, i + batchSize));
    return chunks;
  }

  /** A batch for `size` units; returns its number. */
  openBatch(size: number): number {
    const no = this.s.batches.length;
    this.s.batches.push({ no, size });
    return no;
  }

  /** The info-only recipients among `recipients`, kept (undelivered) until their delivery succeeds. */
  addInfoRecipients(recipients: readonly RecipientInfo[]): InfoRecipient[] {
    const added = recipients
      .filter((x) => x.role !== 'implement')
      .map(({ code, name, emails, role, purpose }) => ({ code, name, emails, role, purpose, delivered: false }));
    this.s.info.push(...added);
    return added;
  }

  undelivered(): InfoRecipient[] {
    return this.s.info.filter((i) => !i.delivered);
  }

  addedAudit(recipients: readonly RecipientInfo[]): RunAudit {
    const data = {
      codes: recipients.map((r) => r.code),
      roles: recipients.map((r) => r.role),
      total: this.roster.size,
    };
    return { kind: 'recipients-added', data };
  }

  batchFinished(no: number, counts: StageCounts, total: number): void {
    const b = this.s.batches.find((x) => x.no === no);
    if (b) b.finished = { counts, total };
  }

  checkClose(note: string): void {
    this.refuseIfStopped('.');
    if (typeof note !== 'string' || note.length > LIMITS.reason)
      throw new LifecycleRefusal('TooLong', `Ghi chú dài quá ${LIMITS.reason} ký tự.`);
  }

  close(by: string, note: string, at: number): RunAudit {
    this.checkClose(note);
    this.s.stop = { stage: 'closed', reason: note, by, at };
    return { kind: 'closed', data: { note }, actor: { channel: 'office', by } };
  }

  checkRecall(reason: string): void {
    this.refuseIfStopped('.');
    if (!reason.trim()) throw new LifecycleRefusal('EmptyText', 'Cần nêu lý do thu hồi.');
    if (reason.length > LIMITS.reason)
      throw new LifecycleRefusal('TooLong', `Lý do thu hồi dài quá ${LIMITS.reason} ký tự.`);
  }

  recall(by: string, reason: string, at: number): RunAudit {
    this.checkRecall(reason);
    this.s.stop = { stage: 'recalled', reason, by, at };
    return { kind: 'recalled', data: { reason }, actor: { channel: 'office', by } };
  }

  checkCorrect(c: CorrectionInput): void {
    this.refuseIfStopped('; không thể đính chính hay thay thế.');
    checkCorrection(this.s.corrections ?? [], c);
  }

  /** A new version of the directive: the run keeps it, and its units and info recipients are sent it. */
  correct(by: string, input: CorrectionInput, at: number): { correction: Correction; audit: RunAudit } {
    this.checkCorrect(input);
    const prev = this.s.corrections ?? [];
    const correction: Correction = { ...input, version: prev.length + 2, at, by };
    this.s.corrections = [...prev, correction];
    const { version, kind, changes, document } = correction;
    const data = { version, correctionKind: kind, changes, ...(document ? { document } : {}) };
    return { correction, audit: { kind: 'directive-corrected', data, actor: { channel: 'office', by } } };
  }

  /** Before continue-as-new: the roster as a list, and the audit sequence to go on from. */
  carryOver(auditSeq: number): RunState {
    this.s.roster = [...this.roster];
    this.s.auditSeq = auditSeq;
    return this.s;
  }

  /** Once every batch has finished: the counts by stage and who gets the summary besides the Office. */
  summary(stage: RunStop['stage']): { counts: StageCounts; total: number; to: string[] } {
    const done = this.s.batches.map((b) => b.finished!);
    const counts = addCounts(done.map((f) => f.counts));
    counts.informed = this.s.info.filter((i) => i.delivered).length;
    const total = done.reduce((n, f) => n + f.total, 0);
    const told = (i: InfoRecipient) => stage === 'recalled' || ['report', 'inform', 'coordinate'].includes(i.role);
    return { counts, total, to: this.s.info.filter(told).flatMap((i) => i.emails) };
  }
}
