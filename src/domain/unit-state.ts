import type { Person } from './registry';
import { resolveDeadline, type DeadlineSpec } from './schedule';
import { nextFollowUp, takeFollowUp, type FollowUpStep } from './unit-follow-up';
import { checkResendDispatch, correctAddress, dispatchBody, resendDispatch } from './unit-dispatch';
import { changeCalendar, checkChangeCalendar } from './unit-calendar';
import { movedBy, pauseOnDifficulty, resumeAfterAnswer } from './unit-pause';
import type { CalendarData } from './holidays-vn';
import type { Correction } from './correction';
import { checkMarkViewed, markViewed, type ViewedWhat } from './unit-views';
import { bounce, checkBounce, type Bounce } from './unit-bounce';
import {
  acknowledgeAllVersions,
  acknowledgeCorrection,
  checkReceiveCorrection,
  receiveCorrection,
} from './unit-correction';
import { acceptReport, checkImpliedAcknowledge, returnReport, submitReport } from './unit-reports';
import { officeActor, type AuditEffect, type Effects, type MessageBody } from './unit-effects';
import {
  checkAcknowledge,
  checkAnswer,
  checkCorrectAddress,
  checkExtendAt,
  checkRaiseDifficulty,
  checkRequestExtensionAt,
  checkReturn,
  checkReview,
  checkSubmitReport,
  currentDeadline,
  currentReport,
  firstReportDeadline,
  requestsMade,
  type Deadline,
  type UnitRules,
} from './unit-rules';
import {
  FINAL_STAGES,
  briefOf,
  outcomeOf,
  type Actor,
  type Difficulty,
  type ReportCycle,
  type ReportInput,
  type UnitBrief,
  type UnitOutcome,
  type UnitSnapshot,
} from './unit-model';

export * from './unit-model';
export * from './unit-effects';
export type { Deadline, UnitRules } from './unit-rules';
export type { FollowUpStep } from './unit-follow-up';

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
    return outcomeOf(this.s);
  }

  // --- checks: validators call these, and each act calls its own -----------------------------------
  checkAcknowledge(by?: Actor): void {
    checkAcknowledge(this.s, this.rules, by);
  }
  checkSubmitReport(text: string, obligation?: string, by?: Actor): ReportCycle {
    const cur = checkSubmitReport(this.s, this.rules.policy, text, obligation);
    if (by) checkImpliedAcknowledge(this.s, this.rules, by);
    return cur;
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
    this.checkAcknowledge(by);
    const ofCorrection = acknowledgeCorrection(this.s, at, by);
    if (ofCorrection) return ofCorrection;
    const due = this.firstReportDeadline(at);
    Object.assign(this.s, { acknowledgedAt: at, overdue: false, escalationLevel: 0, reportDeadline: due });
    this.s.stage = due === undefined ? 'done' : 'acknowledged';
    this.s.deadlineSetAt = at;
    const data = { stage: this.s.stage, ...acknowledgeAllVersions(this.s, at) };
    return { audit: { kind: 'acknowledged', data, actor: by } };
  }

  /** The first view through the unit's link: see unit-views.ts. */
  markViewed(at: number, by: Actor, what?: ViewedWhat): Effects {
    return markViewed(this.s, at, by, what);
  }
  checkMarkViewed(what?: ViewedWhat): void {
    checkMarkViewed(this.s, what);
  }

  /** A corrected or replacing document: see receiveCorrection. */
  receiveCorrection(c: Correction): Effects {
    return receiveCorrection(this.s, this.rules.policy, c);
  }
  checkReceiveCorrection(c: Pick<Correction, 'version'>): void {
    checkReceiveCorrection(this.s, c);
  }

  /** A report implies receipt: an unacknowledged unit that reports is acknowledged too. */
  submitReport(at: number, r: ReportInput): Effects {
    return submitReport(this.s, this.rules, at, r);
  }

  /** Accepts the pending report; the next report (or cycle), if any, is due from the dispatch. */
  accept(at: number, by: string): Effects {
    return acceptReport(this.s, this.rules, at, by);
  }

  returnReport(at: number, by: string, reason: string, due: DeadlineSpec): Effects {
    return returnReport(this.s, this.rules, at, by, reason, resolveDeadline(due, at, this.rules.cal));
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
    pauseOnDifficulty(this.s, this.rules, at, id);
    return {
      id,
      audit: { kind: 'difficulty-raised', data: { id, text }, actor: by },
      mail: this.toOffice({ kind: 'difficulty-raised', unit: this.party, id, text }),
    };
  }

  answer(at: number, by: string, id: number, text: string): Effects {
    const d = this.checkAnswer(id, text);
    d.answer = { text, at, by };
    const resumed = movedBy(resumeAfterAnswer(this.s, this.rules, at));
    return {
      audit: { kind: 'difficulty-answered', data: { id, text, ...resumed }, actor: officeActor(by) },
      mail: this.toUnit({
        kind: 'difficulty-answered',
        unit: this.party,
        id,
        question: d.text,
        answer: text,
        ...resumed,
      }),
    };
  }

  /** A delivery status notification: the unit's addresses it names failed for good; see unit-bounce.ts. */
  bounce(b: Bounce, by: Actor): Effects {
    return bounce(this.s, b, by);
  }
  checkBounce(b: Bounce): void {
    checkBounce(this.s, b);
  }

  /**
   * New addresses; links sent to the old ones stop working. `resend`: new addresses of a partly refused
   * dispatch. A unit whose every address bounced after dispatch is sent the directive again, with an
   * acknowledgement deadline counted from now.
   */
  correctAddress(by: string, emails: string[], now: number): Effects & { resend: string[] } {
    const fx = correctAddress(this.s, by, emails);
    if (fx.resend.length && this.s.stage === 'undeliverable' && this.s.dispatchedAt !== undefined)
      Object.assign(this.s, { stage: 'dispatched', ackDeadline: this.ackDeadlineFrom(now), deadlineSetAt: now });
    return fx;
  }

  /** The dispatch again, to the same addresses and with the same deadlines; see resendDispatch. */
  resendDispatch(by: string): AuditEffect {
    return resendDispatch(this.s, by);
  }
  checkResendDispatch(): void {
    checkResendDispatch(this.s);
  }

  /** A new calendar from the Office: deadlines the policy set are counted again; see changeCalendar. */
  changeCalendar(at: number, by: string, data: CalendarData, source: string): ReturnType<typeof changeCalendar> {
    return changeCalendar(this.s, this.rules, data, source, at, by);
  }

  checkChangeCalendar(data: CalendarData): void {
    checkChangeCalendar(this.s, data);
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
    return dispatchBody(this.s, this.rules, ackDeadline, from);
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
    return nextFollowUp(this.s, this.rules);
  }

  /**
   * The head and leader of the registry version in effect, read when an escalation fires: a person who
   * left is not chased, and one the version no longer names is replaced by the Office's step.
   */
  refreshContacts(c: { head?: Person; leader?: Person }): void {
    const u = this.s.unit;
    delete u.head;
    delete u.leader;
    if (c.head) u.head = c.head;
    if (c.leader) u.leader = c.leader;
  }

  /** Takes a follow-up step; it is remembered, so a retry or an extension never doubles it. */
  followUp(step: FollowUpStep, now: number): Effects {
    return takeFollowUp(this.s, this.rules, step, now);
  }

  /** Before continue-as-new: keys of deadlines no longer current can never match again. */
  pruneFiredKeys(): void {
    const cur = this.currentDeadline();
    this.s.firedKeys = cur ? this.s.firedKeys.filter((k) => k.includes(`@${cur.at}:`)) : [];
  }

  // --- helpers ---------------------------------------------------------------------------------------
  private firstReportDeadline(from: number): number | undefined {
    return firstReportDeadline(this.s, this.rules, from);
  }
  private toUnit(body: MessageBody): Effects['mail'] {
    return { to: { kind: 'unit' }, body };
  }
  private toOffice(body: MessageBody): Effects['mail'] {
    return { to: { kind: 'office' }, body };
  }
}
