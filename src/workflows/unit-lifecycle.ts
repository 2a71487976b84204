import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { followUpSchedule, type FollowUpItem } from '../domain/follow-up';
import type { MessageRequest } from '../domain/messages';
import { resolveDeadline, reportDeadline, lateness } from '../domain/schedule';
import { vnLateness } from '../domain/vn-format';
import type { RecipientInfo } from '../domain/plan';
import { LifecycleRefusal, UnitLifecycleState, briefOf, newSnapshot, type Actor, type Stage, type UnitBrief, type UnitSnapshot } from '../domain/unit-state';
import type { DeadlineSpec } from '../domain/schedule';
import { calendarOf, type UnitContext } from './context';
import { SEND_RETRY } from './send-options';
import { salutation } from '../domain/salutation';
import { unitChangedSignal, unitRow } from './messages';
import { auditor } from './audit';

const { sendMessage } = proxyActivities<ReturnType<typeof createActivities>>({
  // One SMTP transaction; a worker that dies mid-send is noticed this soon.
  startToCloseTimeout: '30 seconds',
  // An SMTP outage delays mail but loses none: retry transient faults without limit. The cap is short so
  // mail resumes within half a minute of the server's return, not after minutes of backoff; each retry
  // is one cheap connection attempt.
  retry: SEND_RETRY,
});

export interface LifecycleInput {
  ctx: UnitContext;
  unit: RecipientInfo;
  batchWorkflowId: string;
  /** Carried over continue-as-new. */
  snapshot?: UnitSnapshot;
  seq?: number;
  auditSeq?: number;
}

export interface UnitOutcome {
  code: string;
  stage: Stage;
  overdue: boolean;
  acknowledged: boolean;
  reports: number;
}

// --- messages: updates answer at once with a yes or a reason ---------------------------------
// Updates answer with a brief (stage and deadlines), never the whole state: a unit's reports and
// difficulties must not be able to push an answer past Temporal's payload limit.
export const acknowledgeUpdate = defineUpdate<UnitBrief, [Actor]>('acknowledge');
export const submitReportUpdate = defineUpdate<UnitBrief, [{ by: Actor; text: string; fileName?: string; sha256?: string; obligation?: string }]>('submitReport');
export const acceptReportUpdate = defineUpdate<UnitBrief, [{ by: string }]>('acceptReport');
export const returnReportUpdate = defineUpdate<UnitBrief, [{ by: string; reason: string; due: DeadlineSpec }]>('returnReport');
export const extendUpdate = defineUpdate<UnitBrief, [{ by: string; until: DeadlineSpec; reason: string }]>('extend');
export const requestExtensionUpdate = defineUpdate<UnitBrief, [{ by: Actor; until: DeadlineSpec; reason: string }]>('requestExtension');
export const raiseDifficultyUpdate = defineUpdate<{ id: number }, [{ by: Actor; text: string }]>('raiseDifficulty');
export const answerDifficultyUpdate = defineUpdate<UnitBrief, [{ by: string; id: number; text: string }]>('answerDifficulty');
export const correctAddressUpdate = defineUpdate<UnitBrief, [{ by: string; emails: string[] }]>('correctAddress');
export const stopSignal = defineSignal<[{ stage: 'recalled' | 'closed'; reason: string }]>('stop');
export const unitStateQuery = defineQuery<UnitSnapshot>('unitState');

/** Refusals cross the wire as ApplicationFailures whose type a caller can match on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- validators take their update's args
function guard(fn: (...a: any[]) => unknown): (...a: any[]) => void {
  return (...a) => {
    try {
      fn(...a);
    } catch (e) {
      if (e instanceof LifecycleRefusal) throw ApplicationFailure.create({ type: e.type, message: e.message, nonRetryable: true });
      throw e;
    }
  };
}

function isRejected(e: unknown): e is ActivityFailure {
  return e instanceof ActivityFailure && e.cause instanceof ApplicationFailure && e.cause.type === 'RecipientRejected';
}

/**
 * Lifecycles from before this patch published a row and upserted their search attributes before
 * dispatch; their batches now do both at start. Old histories keep the old path.
 */
export const LEAN_START_PATCH = 'lean-start';

/**
 * A dispatch that returns after a recall no longer resumes the follow-up, and a dispatch that some of
 * the unit's addresses refused is reported to the Office. Both add commands on paths older code took
 * differently.
 */
export const DISPATCH_OUTCOME_PATCH = 'dispatch-outcome';

/** A refused unit waits for a change from the addresses that were refused, not from those it holds once the Office has been told. */
export const ADDRESS_WAIT_PATCH = 'address-wait';

/** The follow-up of one implementing unit, from dispatch to done. */
export async function unitLifecycle(input: LifecycleInput): Promise<UnitOutcome> {
  const { ctx } = input;
  const { directive, office } = ctx;
  const policy = directive.policy;
  const cal = calendarOf(ctx);
  const st = new UnitLifecycleState(input.snapshot ?? newSnapshot(input.unit), policy);
  let seq = input.seq ?? 0;
  const audit = auditor(ctx.key, input.unit.code, input.auditSeq);
  const officeActor = (by: string) => ({ channel: 'office', by });
  /** Bumped by every state change, so the follow-up loop recomputes its next timer. */
  let changes = 0;
  const unitParty = () => ({ code: st.s.unit.code, name: st.s.unit.name });
  // Every party of this lifecycle's messages carries the unit's code: several units' lifecycles write
  // to the Office, and their Message-IDs (run, party, kind, seq) must never collide.
  const base = (party: string, to: string[]) => ({
    runKey: ctx.key,
    ref: ctx.ref,
    subject: directive.subject,
    party: party === st.s.unit.code ? party : `${st.s.unit.code}~${party}`,
    seq: seq++,
    to,
    replyTo: office.emails,
    officeName: office.name,
    eventId: workflowInfo().historyLength,
    ...(st.s.linkGeneration ? { linkGen: st.s.linkGeneration } : {}),
  });

  async function publish(): Promise<void> {
    changes++;
    const s = st.s;
    if (ctx.searchAttributes) {
      upsertSearchAttributes({ ChidaoStage: [s.stage], ChidaoOverdue: [s.overdue] });
    }
    const row = unitRow(s, st.currentDeadline()?.at);
    try {
      await getExternalWorkflowHandle(input.batchWorkflowId).signal(unitChangedSignal, row);
    } catch {
      // A batch that has finished no longer needs rows; the unit's own state stays queryable.
    }
  }

  /** Sends to the unit; a permanent refusal is reported to the Office instead of failing the unit. */
  async function toUnit(req: MessageRequest): Promise<boolean> {
    try {
      await sendMessage(req);
      return true;
    } catch (e) {
      if (!isRejected(e)) throw e;
      await sendMessage({ ...base('office', office.emails), kind: 'undeliverable', unit: unitParty(), addresses: req.to, error: e.cause?.message ?? '' });
      return false;
    }
  }

  const toOffice = (req: MessageRequest) => sendMessage(req);

  const firstReportDeadline = (from: number): number | undefined => {
    const cur = st.currentReport();
    return cur && reportDeadline(cur.obligation, cur.cycle, st.s.dispatchedAt ?? from, cal);
  };

  // --- handlers ---------------------------------------------------------------------------------
  setHandler(unitStateQuery, () => st.s);

  setHandler(
    acknowledgeUpdate,
    async (by) => {
      st.acknowledge(Date.now(), firstReportDeadline(Date.now()));
      st.s.deadlineSetAt = Date.now();
      await publish();
      audit.record('acknowledged', { stage: st.s.stage }, by);
      return briefOf(st.s);
    },
    { validator: guard(() => st.checkAcknowledge()) },
  );

  setHandler(
    submitReportUpdate,
    async (r) => {
      const cur = st.currentReport()!;
      const rec = { by: r.by, text: r.text, ...(r.fileName ? { fileName: r.fileName } : {}), ...(r.sha256 ? { sha256: r.sha256 } : {}) };
      st.submitReport(Date.now(), rec);
      await publish();
      audit.record('report-submitted', { obligation: cur.obligation.id, cycle: cur.cycle, textLength: r.text.length, ...(r.fileName ? { fileName: r.fileName } : {}), ...(r.sha256 ? { sha256: r.sha256 } : {}) }, r.by);
      await toOffice({ ...base('office', office.emails), kind: 'report-received', unit: unitParty(), reportTitle: cur.obligation.title, text: r.text, ...(r.fileName ? { fileName: r.fileName } : {}) });
      return briefOf(st.s);
    },
    { validator: guard((r: { text: string; obligation?: string }) => st.checkSubmitReport(r.text, r.obligation)) },
  );

  setHandler(
    acceptReportUpdate,
    async ({ by }) => {
      const accepted = st.currentReport()!;
      const title = accepted.obligation.title;
      const more = st.accept();
      let next: { title: string; due: number } | undefined;
      if (more) {
        st.s.reportDeadline = firstReportDeadline(Date.now());
        st.s.deadlineSetAt = Date.now();
        next = { title: st.currentReport()!.obligation.title, due: st.s.reportDeadline! };
      }
      await publish();
      audit.record('report-accepted', { obligation: accepted.obligation.id, cycle: accepted.cycle }, officeActor(by));
      await toUnit({ ...base(st.s.unit.code, st.s.unit.emails), kind: 'report-accepted', unit: unitParty(), reportTitle: title, ...(next ? { next } : {}) });
      return briefOf(st.s);
    },
    { validator: guard(() => st.checkReview()) },
  );

  setHandler(
    returnReportUpdate,
    async ({ by, reason, due }) => {
      const title = st.currentReport()!.obligation.title;
      const until = resolveDeadline(due, Date.now(), cal);
      st.returnReport(reason, until);
      st.s.deadlineSetAt = Date.now();
      await publish();
      audit.record('report-returned', { reason, until }, officeActor(by));
      await toUnit({ ...base(st.s.unit.code, st.s.unit.emails), kind: 'report-returned', unit: unitParty(), reportTitle: title, reason, due: until });
      return briefOf(st.s);
    },
    {
      validator: guard(({ reason, due }: { reason: string; due: DeadlineSpec }) => {
        st.checkReturn(reason);
        if (resolveDeadline(due, Date.now(), cal) <= Date.now()) throw new LifecycleRefusal('NotLater', 'Hạn báo cáo lại phải ở tương lai.');
      }),
    },
  );

  setHandler(
    extendUpdate,
    async ({ by, until, reason }) => {
      const ext = st.extend(Date.now(), resolveDeadline(until, Date.now(), cal), reason, by);
      st.s.deadlineSetAt = Date.now();
      await publish();
      audit.record('extension-granted', { target: ext.target, from: ext.from, until: ext.until, reason }, officeActor(by));
      await toUnit({ ...base(st.s.unit.code, st.s.unit.emails), kind: 'extension-granted', unit: unitParty(), target: ext.target, from: ext.from, until: ext.until, reason });
      return briefOf(st.s);
    },
    { validator: guard(({ until, reason }: { until: DeadlineSpec; reason: string }) => st.checkExtend(resolveDeadline(until, Date.now(), cal), reason)) },
  );

  setHandler(
    requestExtensionUpdate,
    async ({ by, until, reason }) => {
      const at = resolveDeadline(until, Date.now(), cal);
      st.requestExtension(Date.now(), at, reason);
      await publish();
      audit.record('extension-requested', { until: at, reason }, by);
      await toOffice({ ...base('office', office.emails), kind: 'extension-requested', unit: unitParty(), until: at, reason });
      return briefOf(st.s);
    },
    { validator: guard(({ until, reason }: { until: DeadlineSpec; reason: string }) => st.checkRequestExtension(resolveDeadline(until, Date.now(), cal), reason)) },
  );

  setHandler(
    raiseDifficultyUpdate,
    async ({ by, text }) => {
      const d = st.raiseDifficulty(Date.now(), text, by);
      await publish();
      audit.record('difficulty-raised', { id: d.id, text }, by);
      await toOffice({ ...base('office', office.emails), kind: 'difficulty-raised', unit: unitParty(), id: d.id, text });
      return { id: d.id };
    },
    { validator: guard(({ text }: { text: string }) => st.checkRaiseDifficulty(text)) },
  );

  setHandler(
    answerDifficultyUpdate,
    async ({ by, id, text }) => {
      const d = st.answer(id, text, Date.now(), by);
      await publish();
      audit.record('difficulty-answered', { id, text }, officeActor(by));
      await toUnit({ ...base(st.s.unit.code, st.s.unit.emails), kind: 'difficulty-answered', unit: unitParty(), id, question: d.text, answer: text });
      return briefOf(st.s);
    },
    { validator: guard(({ id, text }: { id: number; text: string }) => st.checkAnswer(id, text)) },
  );

  setHandler(
    correctAddressUpdate,
    async ({ by, emails }) => {
      const before = st.s.unit.emails;
      const added = st.correctAddress(emails);
      // A partly refused dispatch goes again to the addresses that are new; a wholly refused one
      // resumes in deliver(), which waits for this change.
      const resend = st.s.rejectedAddresses?.length && st.s.dispatchedAt !== undefined ? added : [];
      if (resend.length) {
        delete st.s.rejectedAddresses;
        delete st.s.deliveryError;
      }
      await publish();
      audit.record('address-corrected', { from: before, to: emails }, officeActor(by));
      if (resend.length && !(await toUnit(dispatchRequest(resend, st.s.ackDeadline ?? Date.now(), st.s.dispatchedAt!)))) {
        st.partlyRefused(resend, 'máy chủ thư từ chối địa chỉ mới');
        await publish();
      }
      return briefOf(st.s);
    },
    { validator: guard(({ emails }: { emails: string[] }) => st.checkCorrectAddress(emails)) },
  );

  setHandler(stopSignal, ({ stage, reason }) => {
    if (st.stopped) return;
    const wasDelivered = st.s.dispatchedAt !== undefined;
    st.stop(stage, reason);
    changes++;
    if (stage === 'recalled' && wasDelivered) pendingRecallNotice = reason;
  });
  let pendingRecallNotice: string | undefined;

  // --- dispatch --------------------------------------------------------------------------------
  /** The directive to the unit, with the deadlines as set at its (first) dispatch. */
  function dispatchRequest(to: string[], ackDue: number, from: number): MessageRequest {
    const reports = policy.reports.map((r) => ({ title: r.title, due: reportDeadline(r, 0, from, cal) }));
    return { ...base(st.s.unit.code, to), kind: 'dispatch', unit: unitParty(), role: st.s.unit.role, purpose: st.s.unit.purpose, ackDeadline: ackDue, reports };
  }

  async function deliver(): Promise<void> {
    while (!st.stopped && st.s.dispatchedAt === undefined) {
      // The addresses this attempt goes to, read before anything awaits: a correction that arrives while
      // the mail or the Office's notice is on its way is a change to act on, not the refused list.
      const to = st.s.unit.emails;
      try {
        const ackDue = resolveDeadline(policy.acknowledge.due, Date.now(), cal);
        const sent = await sendMessage(dispatchRequest(to, ackDue, Date.now()));
        if (st.stopped && patched(DISPATCH_OUTCOME_PATCH)) {
          // Recalled or closed while the mail was on its way: the unit has it, so a recall must tell it.
          st.deliveredAfterStop(Date.now());
          if (st.s.stage === 'recalled') pendingRecallNotice ??= st.s.stopReason ?? '';
          break;
        }
        st.dispatched(Date.now(), ackDue);
        st.s.deadlineSetAt = Date.now();
        const rejected = sent?.rejected ?? [];
        if (rejected.length && patched(DISPATCH_OUTCOME_PATCH)) st.partlyRefused(rejected, 'máy chủ thư từ chối địa chỉ này');
        await publish();
        if (st.s.rejectedAddresses?.length) {
          await toOffice({ ...base('office', office.emails), kind: 'undeliverable', unit: unitParty(), addresses: rejected, accepted: sent.accepted, error: st.s.deliveryError ?? '' });
        }
      } catch (e) {
        if (!isRejected(e)) throw e;
        // A permanent refusal (550, malformed address): the Office is told and the unit waits for a
        // corrected address, which resumes delivery.
        st.undeliverable(e.cause?.message ?? 'địa chỉ bị từ chối');
        await publish();
        await toOffice({ ...base('office', office.emails), kind: 'undeliverable', unit: unitParty(), addresses: to, error: st.s.deliveryError ?? '' });
        const emails = patched(ADDRESS_WAIT_PATCH) ? to : st.s.unit.emails;
        await condition(() => st.stopped || st.s.unit.emails !== emails);
        if (!st.stopped) st.s.stage = 'dispatching';
      }
    }
  }

  // --- follow-up: reminders, overdue, escalation ------------------------------------------------
  async function fire(item: FollowUpItem, target: 'acknowledge' | 'report', deadline: number): Promise<void> {
    const reportTitle = st.currentReport()?.obligation.title;
    if (item.kind === 'reminder') {
      st.s.remindersSent++;
      await toUnit({ ...base(st.s.unit.code, st.s.unit.emails), kind: 'reminder', unit: unitParty(), target, deadline, ...(target === 'report' && reportTitle ? { reportTitle } : {}) });
    } else if (item.kind === 'overdue') {
      st.s.overdue = true;
    } else if (item.step && item.level) {
      st.s.escalationLevel = item.level;
      const who = item.step.notify;
      const person = who === 'head' ? st.s.unit.head : who === 'leader' ? st.s.unit.leader : undefined;
      // Without a personal address the step goes to the Office, which must know either way.
      const to = person?.email ? [person.email] : office.emails;
      const addressee = person ? salutation(person) : office.name;
      const late = lateness(deadline, Date.now(), cal);
      await sendMessage({
        ...base(who === 'office' || !person?.email ? 'office' : who, to),
        kind: 'escalation',
        unit: unitParty(),
        target,
        deadline,
        late: vnLateness(late.ms, late.workingDays),
        level: item.level,
        addressee,
      });
    }
    st.s.firedKeys.push(item.key);
    await publish();
  }

  async function followUp(): Promise<void> {
    while (!st.stopped) {
      const seen = changes;
      const cur = st.currentDeadline();
      const report = st.currentReport();
      const scope = cur?.target === 'report' && report ? `report:${report.obligation.id}:${report.cycle}` : 'ack';
      const next = cur
        ? followUpSchedule(scope, cur.at, st.s.deadlineSetAt ?? 0, policy, cal).find((i) => !st.s.firedKeys.includes(i.key))
        : undefined;
      if (!cur || !next) {
        await condition(() => changes !== seen);
        continue;
      }
      const changed = await condition(() => changes !== seen, Math.max(1, next.at - Date.now()));
      if (changed) continue;
      await fire(next, cur.target, cur.at);
      maybeContinueAsNew();
    }
  }

  let canRequested = false;
  function maybeContinueAsNew(): void {
    // Long-lived units (recurring reports over years) keep their history bounded.
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5000) canRequested = true;
  }

  if (!input.snapshot) {
    // Since this patch the batch seeds the unit's row and its search attributes when it starts the
    // lifecycle: the first signal, the workflow task its completion costs, and an upsert are saved.
    if (!patched(LEAN_START_PATCH)) {
      if (ctx.searchAttributes) upsertSearchAttributes({ ChidaoDirective: [ctx.ref], ChidaoUnit: [st.s.unit.code] });
      await publish();
    }
  }

  await deliver();
  await Promise.race([followUp(), condition(() => canRequested)]);
  await condition(allHandlersFinished);
  if (canRequested && !st.stopped) {
    // Keys of deadlines no longer current can never match again: drop them.
    const cur = st.currentDeadline();
    st.s.firedKeys = cur ? st.s.firedKeys.filter((k) => k.includes(`@${cur.at}:`)) : [];
    if (audit.pending) await audit.flush();
    await continueAsNew<typeof unitLifecycle>({ ...input, snapshot: st.s, seq, auditSeq: audit.seq });
  }
  if (pendingRecallNotice !== undefined) {
    await toUnit({ ...base(st.s.unit.code, st.s.unit.emails), kind: 'recall', unit: unitParty(), reason: pendingRecallNotice });
  }
  await publish();
  if (audit.pending) await audit.flush();
  return {
    code: st.s.unit.code,
    stage: st.s.stage,
    overdue: st.s.overdue,
    acknowledged: st.s.acknowledgedAt !== undefined,
    reports: st.s.reports.filter((r) => r.verdict === 'accepted').length,
  };
}
