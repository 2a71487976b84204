import { setHandler } from '@temporalio/workflow';
import { onUpdate } from '../refusals';
import {
  acceptReportUpdate,
  acknowledgeUpdate,
  answerDifficultyUpdate,
  bounceUpdate,
  changeCalendarUpdate,
  correctAddressUpdate,
  resendDispatchUpdate,
  extendUpdate,
  markViewedUpdate,
  raiseDifficultyUpdate,
  receiveCorrectionUpdate,
  requestExtensionUpdate,
  returnReportUpdate,
  stopSignal,
  submitReportUpdate,
  unitStateQuery,
} from './api';
import type { UnitRuntime } from './runtime';

/**
 * Each update hands its act to the unit's state machine and carries out what it returns; its validator
 * runs the act's own check, so a call that would be refused is refused at once, with its reason.
 */
export function registerHandlers(rt: UnitRuntime): void {
  const { st } = rt;
  const brief = () => st.brief();
  setHandler(unitStateQuery, () => st.view);

  onUpdate(
    acknowledgeUpdate,
    (by) => rt.carryOut(st.acknowledge(Date.now(), by), brief),
    (by) => st.checkAcknowledge(by),
  );
  onUpdate(
    submitReportUpdate,
    (r) => rt.carryOut(st.submitReport(Date.now(), r), brief),
    (r) => st.checkSubmitReport(r.text, r.obligation, r.by),
  );
  onUpdate(
    acceptReportUpdate,
    ({ by }) => rt.carryOut(st.accept(Date.now(), by), brief),
    () => st.checkReview(),
  );
  onUpdate(
    returnReportUpdate,
    ({ by, reason, due }) => rt.carryOut(st.returnReport(Date.now(), by, reason, due), brief),
    ({ reason, due }) => st.checkReturn(reason, due, Date.now()),
  );
  onUpdate(
    extendUpdate,
    ({ by, until, reason }) => rt.carryOut(st.extend(Date.now(), by, until, reason), brief),
    ({ until, reason }) => st.checkExtend(until, reason, Date.now()),
  );
  onUpdate(
    requestExtensionUpdate,
    ({ by, until, reason }) => rt.carryOut(st.requestExtension(Date.now(), by, until, reason), brief),
    ({ until, reason }) => st.checkRequestExtension(until, reason, Date.now()),
  );
  onUpdate(
    raiseDifficultyUpdate,
    ({ by, text }) => {
      const fx = st.raiseDifficulty(Date.now(), by, text);
      return rt.carryOut(fx, () => ({ id: fx.id }));
    },
    ({ text }) => st.checkRaiseDifficulty(text),
  );
  onUpdate(
    answerDifficultyUpdate,
    ({ by, id, text }) => rt.carryOut(st.answer(Date.now(), by, id, text), brief),
    ({ id, text }) => st.checkAnswer(id, text),
  );
  onUpdate(
    correctAddressUpdate,
    ({ by, emails }) => correctAddress(rt, by, emails),
    ({ emails }) => st.checkCorrectAddress(emails),
  );

  onUpdate(
    resendDispatchUpdate,
    ({ by }) => resendDispatch(rt, by),
    () => st.checkResendDispatch(),
  );

  onUpdate(
    changeCalendarUpdate,
    ({ by, calendar, source }) => {
      const fx = st.changeCalendar(Date.now(), by, calendar, source);
      return rt.carryOut(fx, () => ({ moved: fx.moved.length, affected: fx.affected, brief: st.brief() }));
    },
    ({ calendar }) => st.checkChangeCalendar(calendar),
  );

  onUpdate(
    markViewedUpdate,
    (by, what?) => rt.carryOut(st.markViewed(Date.now(), by, what), brief),
    (_by, what?) => st.checkMarkViewed(what),
  );
  onUpdate(
    receiveCorrectionUpdate,
    (c) => rt.carryOut(st.receiveCorrection(c), brief),
    (c) => st.checkReceiveCorrection(c),
  );

  onUpdate(
    bounceUpdate,
    ({ by, ...b }) => rt.carryOut(st.bounce(b, by), brief),
    ({ by: _by, ...b }) => st.checkBounce(b),
  );

  setHandler(stopSignal, ({ stage, reason }) => {
    if (st.stop(stage, reason)) rt.changes++;
  });
}

/** A partly refused dispatch goes again to the new addresses; a wholly refused one resumes in deliver(). */
/** Recorded first, then sent: a unit whose server refuses now is reported to the Office as any refusal is. */
async function resendDispatch(rt: UnitRuntime, by: string) {
  const { st } = rt;
  rt.record(st.resendDispatch(by));
  await rt.publish();
  const body = st.dispatchBody(st.view.ackDeadline ?? Date.now(), st.view.dispatchedAt!);
  if (!(await rt.toUnit(rt.message(st.party.code, st.emails, body)))) {
    st.partlyRefused(st.emails, 'máy chủ thư từ chối khi gửi lại');
    await rt.publish();
  }
  return st.brief();
}

async function correctAddress(rt: UnitRuntime, by: string, emails: string[]) {
  const { st } = rt;
  const { resend, audit } = st.correctAddress(by, emails, Date.now());
  await rt.publish();
  rt.record(audit);
  if (resend.length) {
    const body = st.dispatchBody(st.view.ackDeadline ?? Date.now(), st.view.dispatchedAt!);
    if (!(await rt.toUnit(rt.message(st.party.code, resend, body)))) {
      st.partlyRefused(resend, 'máy chủ thư từ chối địa chỉ mới');
      await rt.publish();
    }
  }
  return st.brief();
}
