import type { WorkingCalendar } from './calendar';
import { followUpSchedule, type FollowUpItem } from './follow-up';
// Types only: policy holds zod schemas, which must stay out of the workflow bundle.
import type { Policy } from './policy';
import { lateness, reportDeadline, resolveDeadline, type DeadlineSpec } from './schedule';
import { salutation } from './salutation';
import { vnLateness } from './vn-format';
import { officeActor, type Effects, type MessageBody } from './unit-effects';
import { checkAcknowledge, checkAnswer, checkCorrectAddress, checkExtendAt, checkRaiseDifficulty } from './unit-rules';
import { checkRequestExtensionAt, checkReturn, checkReview, checkSubmitReport, currentDeadline } from './unit-rules';
import { currentReport, pendingReport, requestsMade, type Deadline } from './unit-rules';
import {
  FINAL_STAGES,
  briefOf,
  type Actor,
  type Difficulty,
  type ReportCycle,
  type ReportRecord,
  type Stage,
  type UnitBrief,
  type UnitOutcome,
  type UnitSnapshot,
} from './unit-model';

export * from './unit-model';
export * from './unit-effects';
export type { Deadline } from './unit-rules';

/** What the machine needs besides its state: the directive's policy, the calendar, the Office's name. */
export interface UnitRules {
  policy: Policy;
  cal: WorkingCalendar;
  officeName: string;
}

/** A report as a unit hands it in. */
export interface ReportInput {
  by: Actor;
  text: string;
  fileName?: string;
  sha256?: string;
  obligation?: string;
}

/** The next follow-up step of the current deadline: remind, mark overdue, or escalate. */
export interface FollowUpStep {
  item: FollowUpItem;
  target: Deadline['target'];
  deadline: number;
}

/**
 * One unit's life as a state machine that owns its state. Each act is a method named for it: it checks
 * its rule (the same check the update's validator calls, so a validator never disagrees with its
 * handler), changes the state, and returns what the world must be told. No Temporal, no clock: times are
 * passed in.
 */
export class UnitLifecycleState {
  private readonly s: UnitSnapshot;
  /** The reason to tell the unit of a recall, once its follow-up ends (never carried over continue-as-new). */
  private notice: string | undefined;

  constructor(
    snapshot: UnitSnapshot,
    private readonly rules: UnitRules,
  ) {
    this.s = snapshot;
  }

  // --- reading --------------------------------------------------------------------------------------
  /** The whole state, for the unit's query and its row; callers must not change it. */
  get view(): Readonly<UnitSnapshot> {
    return this.s;
  }
  get stage(): Stage {
    return this.s.stage;
  }
  get stopped(): boolean {
    return FINAL_STAGES.includes(this.s.stage);
  }
  /** The unit's addresses; a correction replaces the array, so its identity tells a change. */
  get emails(): string[] {
    return this.s.unit.emails;
  }
  get party(): { code: string; name: string } {
    return { code: this.s.unit.code, name: this.s.unit.name };
  }
  get delivered(): boolean {
    return this.s.dispatchedAt !== undefined;
  }
  /** Set once the unit, which has the directive, must be told it was recalled. */
  get recallNotice(): string | undefined {
    return this.notice;
  }
  brief(): UnitBrief {
    return briefOf(this.s);
  }
  currentDeadline(): Deadline | undefined {
    return currentDeadline(this.s);
  }
  currentReport(): ReportCycle | undefined {
    return currentReport(this.s, this.rules.policy);
  }
  outcome(): UnitOutcome {
    const s = this.s;
    const reports = s.reports.filter((r) => r.verdict === 'accepted').length;
    return { code: s.unit.code, stage: s.stage, overdue: s.overdue, acknowledged: s.acknowledgedAt !== undefined, reports };
  }

  // --- checks: validators call these, and each act calls its own -----------------------------------
  checkAcknowledge(): void {
    checkAcknowledge(this.s);
  }
  checkSubmitReport(text: string, obligation?: string): ReportCycle {
    return checkSubmitReport(this.s, this.rules.policy, text, obligation);
  }
  checkReview(): void {
    checkReview(this.s);
  }
  checkReturn(reason: string, due: DeadlineSpec, now: number): number {
    return checkReturn(this.s, reason, resolveDeadline(due, now, this.rules.cal), now);
  }
  checkExtend(until: DeadlineSpec, reason: string | undefined, now: number): Deadline {
    return checkExtendAt(this.s, resolveDeadline(until, now, this.rules.cal), reason);
  }
  checkRequestExtension(until: DeadlineSpec, reason: string, now: number): number {
    const at = resolveDeadline(until, now, this.rules.cal);
    checkRequestExtensionAt(this.s, at, reason);
    return at;
  }
  checkRaiseDifficulty(text: string): void {
    checkRaiseDifficulty(this.s, text);
  }
  checkAnswer(id: number, text: string): Difficulty {
    return checkAnswer(this.s, id, text);
  }
  checkCorrectAddress(emails: string[]): void {
    checkCorrectAddress(this.s, emails);
  }

  // --- the unit's and the Office's acts ------------------------------------------------------------
  acknowledge(at: number, by: Actor): Effects {
    this.checkAcknowledge();
    const due = this.firstReportDeadline(at);
    Object.assign(this.s, { acknowledgedAt: at, overdue: false, escalationLevel: 0, reportDeadline: due });
    this.s.stage = due === undefined ? 'done' : 'acknowledged';
    this.s.deadlineSetAt = at;
    return { audit: { kind: 'acknowledged', data: { stage: this.s.stage }, actor: by } };
  }

  /** A report implies receipt: an unacknowledged unit that reports is acknowledged too. */
  submitReport(at: number, r: ReportInput): Effects {
    const cur = this.checkSubmitReport(r.text, r.obligation);
    const file = { ...(r.fileName ? { fileName: r.fileName } : {}), ...(r.sha256 ? { sha256: r.sha256 } : {}) };
    if (this.s.acknowledgedAt === undefined) this.s.acknowledgedAt = at;
    const record: ReportRecord = { obligation: cur.obligation.id, cycle: cur.cycle, submittedAt: at, by: r.by, text: r.text, ...file };
    this.s.reports.push(record);
    Object.assign(this.s, { stage: 'reported', overdue: false, escalationLevel: 0 });
    const data = { obligation: cur.obligation.id, cycle: cur.cycle, textLength: r.text.length, ...file };
    const named = r.fileName ? { fileName: r.fileName } : {};
    return {
      audit: { kind: 'report-submitted', data, actor: r.by },
      mail: this.toOffice({ kind: 'report-received', unit: this.party, reportTitle: cur.obligation.title, text: r.text, ...named }),
    };
  }

  /** Accepts the pending report; the next report (or cycle), if any, is due from the dispatch. */
  accept(at: number, by: string): Effects {
    this.checkReview();
    const accepted = this.currentReport()!;
    pendingReport(this.s).verdict = 'accepted';
    const recurrence = accepted.obligation.recurrence;
    if (recurrence && accepted.cycle + 1 < recurrence.count) this.s.reportCycle++;
    else Object.assign(this.s, { reportIndex: this.s.reportIndex + 1, reportCycle: 0 });
    delete this.s.reportDeadline;
    const following = this.currentReport();
    let next: { title: string; due: number } | undefined;
    if (!following) this.s.stage = 'done';
    else {
      this.s.stage = 'acknowledged';
      this.s.reportDeadline = this.firstReportDeadline(at);
      this.s.deadlineSetAt = at;
      next = { title: following.obligation.title, due: this.s.reportDeadline! };
    }
    const data = { obligation: accepted.obligation.id, cycle: accepted.cycle };
    const body: MessageBody = { kind: 'report-accepted', unit: this.party, reportTitle: accepted.obligation.title, ...(next ? { next } : {}) };
    return { audit: { kind: 'report-accepted', data, actor: officeActor(by) }, mail: this.toUnit(body) };
  }

  returnReport(at: number, by: string, reason: string, due: DeadlineSpec): Effects {
    const until = this.checkReturn(reason, due, at);
    const title = this.currentReport()!.obligation.title;
    Object.assign(pendingReport(this.s), { verdict: 'returned', verdictReason: reason });
    Object.assign(this.s, { reportDeadline: until, stage: 'returned', deadlineSetAt: at });
    return {
      audit: { kind: 'report-returned', data: { reason, until }, actor: officeActor(by) },
      mail: this.toUnit({ kind: 'report-returned', unit: this.party, reportTitle: title, reason, due: until }),
    };
  }

  extend(at: number, by: string, until: DeadlineSpec, reason: string): Effects {
    const cur = this.checkExtend(until, reason, at);
    const ext = { at, target: cur.target, from: cur.at, until: resolveDeadline(until, at, this.rules.cal), reason, by };
    this.s.extensions.push(ext);
    if (cur.target === 'acknowledge') this.s.ackDeadline = ext.until;
    else this.s.reportDeadline = ext.until;
    Object.assign(this.s, { overdue: false, escalationLevel: 0, extensionRequests: [], deadlineSetAt: at });
    const { target, from } = ext;
    return {
      audit: { kind: 'extension-granted', data: { target, from, until: ext.until, reason }, actor: officeActor(by) },
      mail: this.toUnit({ kind: 'extension-granted', unit: this.party, target, from, until: ext.until, reason }),
    };
  }

  requestExtension(at: number, by: Actor, until: DeadlineSpec, reason: string): Effects {
    const wanted = this.checkRequestExtension(until, reason, at);
    this.s.extensionRequestsMade = requestsMade(this.s) + 1;
    this.s.extensionRequests.push({ at, until: wanted, reason });
    return {
      audit: { kind: 'extension-requested', data: { until: wanted, reason }, actor: by },
      mail: this.toOffice({ kind: 'extension-requested', unit: this.party, until: wanted, reason }),
    };
  }

  raiseDifficulty(at: number, by: Actor, text: string): Effects & { id: number } {
    this.checkRaiseDifficulty(text);
    const id = this.s.difficulties.length + 1;
    this.s.difficulties.push({ id, text, raisedAt: at, by });
    return {
      id,
      audit: { kind: 'difficulty-raised', data: { id, text }, actor: by },
      mail: this.toOffice({ kind: 'difficulty-raised', unit: this.party, id, text }),
    };
  }

  answer(at: number, by: string, id: number, text: string): Effects {
    const d = this.checkAnswer(id, text);
    d.answer = { text, at, by };
    return {
      audit: { kind: 'difficulty-answered', data: { id, text }, actor: officeActor(by) },
      mail: this.toUnit({ kind: 'difficulty-answered', unit: this.party, id, question: d.text, answer: text }),
    };
  }

  /**
   * New addresses; links sent to the old ones stop working. A partly refused dispatch goes again to the
   * addresses that are new (`resend`); a wholly refused one resumes in the dispatch loop.
   */
  correctAddress(by: string, emails: string[]): Effects & { resend: string[] } {
    this.checkCorrectAddress(emails);
    const before = this.s.unit.emails;
    const known = new Set(before.map((e) => e.toLowerCase()));
    this.s.unit = { ...this.s.unit, emails };
    this.s.linkGeneration = (this.s.linkGeneration ?? 0) + 1;
    const added = emails.filter((e) => !known.has(e.toLowerCase()));
    const resend = this.s.rejectedAddresses?.length && this.delivered ? added : [];
    if (resend.length) {
      delete this.s.rejectedAddresses;
      delete this.s.deliveryError;
    }
    return { resend, audit: { kind: 'address-corrected', data: { from: before, to: emails }, actor: officeActor(by) } };
  }

  /** Recalled or closed: nothing is owed any more, so nothing is late. False when already stopped. */
  stop(stage: 'recalled' | 'closed', reason: string): boolean {
    if (this.stopped) return false;
    const wasDelivered = this.delivered;
    Object.assign(this.s, { stage, stopReason: reason, overdue: false });
    if (stage === 'recalled' && wasDelivered) this.notice = reason;
    return true;
  }

  // --- dispatch ------------------------------------------------------------------------------------
  /** The acknowledgement deadline of a dispatch sent now. */
  ackDeadlineFrom(now: number): number {
    return resolveDeadline(this.rules.policy.acknowledge.due, now, this.rules.cal);
  }

  /** The directive to the unit, with the deadlines as set at its (first) dispatch. */
  dispatchBody(ackDeadline: number, from: number): MessageBody {
    const { policy, cal } = this.rules;
    const reports = policy.reports.map((r) => ({ title: r.title, due: reportDeadline(r, 0, from, cal) }));
    const { role, purpose } = this.s.unit;
    return { kind: 'dispatch', unit: this.party, role, purpose, ackDeadline, reports };
  }

  /** The unit has the directive; `rejected` are addresses that refused it while others took it. */
  dispatched(at: number, ackDeadline: number, rejected: string[]): void {
    Object.assign(this.s, { stage: 'dispatched', dispatchedAt: at, ackDeadline, deadlineSetAt: at });
    delete this.s.deliveryError;
    if (rejected.length) this.partlyRefused(rejected, 'máy chủ thư từ chối địa chỉ này');
  }

  /**
   * The dispatch reached the unit after the run was recalled or closed while it was being sent: the
   * unit has the directive, but its follow-up must not resume; a recall must tell it.
   */
  deliveredAfterStop(at: number): void {
    this.s.dispatchedAt = at;
    delete this.s.deliveryError;
    if (this.s.stage === 'recalled') this.notice ??= this.s.stopReason ?? '';
  }

  /** Some of the unit's addresses refused the dispatch while others accepted it. */
  partlyRefused(rejected: string[], error: string): void {
    Object.assign(this.s, { rejectedAddresses: rejected, deliveryError: error });
  }

  undeliverable(error: string): void {
    Object.assign(this.s, { stage: 'undeliverable', deliveryError: error });
  }

  /** A corrected address arrived for an undeliverable unit: send again. */
  redispatch(): void {
    if (!this.stopped) this.s.stage = 'dispatching';
  }

  // --- follow-up: reminders, overdue, escalation ----------------------------------------------------
  /** The next step not yet taken for the current deadline, if any. */
  nextFollowUp(): FollowUpStep | undefined {
    const cur = this.currentDeadline();
    if (!cur) return undefined;
    const report = this.currentReport();
    const scope = cur.target === 'report' && report ? `report:${report.obligation.id}:${report.cycle}` : 'ack';
    const { policy, cal } = this.rules;
    const item = followUpSchedule(scope, cur.at, this.s.deadlineSetAt ?? 0, policy, cal).find(
      (i) => !this.s.firedKeys.includes(i.key),
    );
    return item && { item, target: cur.target, deadline: cur.at };
  }

  /** Takes a follow-up step; it is remembered, so a retry or an extension never doubles it. */
  followUp({ item, target, deadline }: FollowUpStep, now: number): Effects {
    const fx: Effects = {};
    const reportTitle = this.currentReport()?.obligation.title;
    if (item.kind === 'reminder') {
      this.s.remindersSent++;
      const title = target === 'report' && reportTitle ? { reportTitle } : {};
      fx.mail = this.toUnit({ kind: 'reminder', unit: this.party, target, deadline, ...title });
    } else if (item.kind === 'overdue') {
      this.s.overdue = true;
    } else if (item.step && item.level) {
      this.s.escalationLevel = item.level;
      const who = item.step.notify;
      const person = who === 'head' ? this.s.unit.head : who === 'leader' ? this.s.unit.leader : undefined;
      // Without a personal address the step goes to the Office, which must know either way.
      const to = who !== 'office' && person?.email ? { kind: 'person' as const, party: who, email: person.email } : undefined;
      const addressee = person ? salutation(person) : this.rules.officeName;
      const late = lateness(deadline, now, this.rules.cal);
      const body: MessageBody = {
        ...{ kind: 'escalation', unit: this.party, target, deadline },
        ...{ late: vnLateness(late.ms, late.workingDays), level: item.level, addressee },
      };
      fx.mail = { to: to ?? { kind: 'office' }, body };
    }
    this.s.firedKeys.push(item.key);
    return fx;
  }

  /** Before continue-as-new: keys of deadlines no longer current can never match again. */
  pruneFiredKeys(): void {
    const cur = this.currentDeadline();
    this.s.firedKeys = cur ? this.s.firedKeys.filter((k) => k.includes(`@${cur.at}:`)) : [];
  }

  // --- helpers ---------------------------------------------------------------------------------------
  private firstReportDeadline(from: number): number | undefined {
    const cur = this.currentReport();
    return cur && reportDeadline(cur.obligation, cur.cycle, this.s.dispatchedAt ?? from, this.rules.cal);
  }
  private toUnit(body: MessageBody): Effects['mail'] {
    return { to: { kind: 'unit' }, body };
  }
  private toOffice(body: MessageBody): Effects['mail'] {
    return { to: { kind: 'office' }, body };
  }
}
