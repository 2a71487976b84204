import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../src/domain/calendar';
import type { Policy } from '../../src/domain/policy';
import type { RecipientInfo } from '../../src/domain/plan';
import type { DeadlineSpec } from '../../src/domain/schedule';
import {
  LIMITS,
  LifecycleRefusal,
  UnitLifecycleState,
  newSnapshot,
  type Actor,
  type Stage,
  type UnitSnapshot,
} from '../../src/domain/unit-state';

/**
 * The unit's state machine alone: no server, no clock. Times are minutes after T0 (a Wednesday morning
 * in Hà Nội); deadlines are exact periods so the arithmetic is plain.
 */
const MIN = 60_000;
const T0 = Date.parse('2023-11-22T09:00:00+07:00');
const exact = (minutes: number) => ({ kind: 'exact' as const, ms: minutes * MIN });
const within = (minutes: number): DeadlineSpec => ({ within: exact(minutes) });
const cal = new WorkingCalendar();

const POLICY: Policy = {
  acknowledge: { due: within(10) },
  reports: [{ id: 'ket-qua', title: 'Báo cáo kết quả', due: within(60) }],
  reminders: [exact(5), exact(2)],
  escalation: [
    { after: exact(5), notify: 'head' },
    { after: exact(15), notify: 'leader' },
    { after: exact(30), notify: 'office' },
  ],
};

const UNIT: RecipientInfo = {
  code: 'T1',
  name: 'Cục THADS tỉnh Thử 1',
  emails: ['t1@thads.example'],
  role: 'implement',
  purpose: 'Như trên',
  head: { name: 'Nguyễn Văn A', title: 'Cục trưởng', email: 'head1@thads.example' },
  leader: { name: 'Trần Thị B', title: 'Phó Tổng cục trưởng' },
};

const unitActor: Actor = { channel: 'link', by: 'Cục THADS tỉnh Thử 1', ip: '203.0.113.7' };

function machine(policy: Policy = POLICY, unit: RecipientInfo = UNIT) {
  return new UnitLifecycleState(newSnapshot(unit), { policy, cal, officeName: 'Văn phòng Tổng cục' });
}

/** A unit driven by its acts to the given stage. */
function at(stage: Exclude<Stage, 'failed'>): UnitLifecycleState {
  const m = machine();
  if (stage === 'dispatching') return m;
  if (stage === 'undeliverable') {
    m.undeliverable('550 không có hộp thư');
    return m;
  }
  m.dispatched(T0, T0 + 10 * MIN, []);
  if (stage === 'recalled' || stage === 'closed') {
    m.stop(stage, 'Lý do dừng');
    return m;
  }
  if (stage === 'dispatched') return m;
  m.acknowledge(T0 + MIN, unitActor);
  if (stage === 'acknowledged') return m;
  m.submitReport(T0 + 2 * MIN, { by: unitActor, text: 'Đã quán triệt.' });
  if (stage === 'reported') return m;
  if (stage === 'returned') m.returnReport(T0 + 3 * MIN, 'VP', 'Thiếu số liệu', within(30));
  if (stage === 'done') m.accept(T0 + 3 * MIN, 'VP');
  return m;
}

/** The type of the refusal `fn` throws, or 'ok'. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof LifecycleRefusal) return e.type;
    throw e;
  }
}

const clone = (s: Readonly<UnitSnapshot>) => JSON.parse(JSON.stringify(s)) as UnitSnapshot;
const NOW = T0 + 4 * MIN;
const LATER = within(24 * 60);
const BOUNCE = {
  addresses: ['T1@thads.example'],
  status: '5.1.1',
  diagnostic: '550 5.1.1 User unknown',
  messageId: '<2023-1-VP.T1.dispatch.0@chidao.local>',
  reportId: '<dsn-1@mx.example>',
};
const DSN_ACTOR: Actor = { channel: 'email', by: 'MAILER-DAEMON@mx.example' };

/** Each act with its validator's check: both must answer the same in every stage. */
const ACTS: Record<
  (typeof ACT_ORDER)[number],
  { check: (m: UnitLifecycleState) => unknown; act: (m: UnitLifecycleState) => unknown }
> = {
  acknowledge: { check: (m) => m.checkAcknowledge(), act: (m) => m.acknowledge(NOW, unitActor) },
  submitReport: {
    check: (m) => m.checkSubmitReport('Báo cáo'),
    act: (m) => m.submitReport(NOW, { by: unitActor, text: 'Báo cáo' }),
  },
  accept: { check: (m) => m.checkReview(), act: (m) => m.accept(NOW, 'VP') },
  returnReport: {
    check: (m) => m.checkReturn('Thiếu', LATER, NOW),
    act: (m) => m.returnReport(NOW, 'VP', 'Thiếu', LATER),
  },
  extend: { check: (m) => m.checkExtend(LATER, 'Đề nghị', NOW), act: (m) => m.extend(NOW, 'VP', LATER, 'Đề nghị') },
  requestExtension: {
    check: (m) => m.checkRequestExtension(LATER, 'Cần thêm thời gian', NOW),
    act: (m) => m.requestExtension(NOW, unitActor, LATER, 'Cần thêm thời gian'),
  },
  raiseDifficulty: {
    check: (m) => m.checkRaiseDifficulty('Vướng'),
    act: (m) => m.raiseDifficulty(NOW, unitActor, 'Vướng'),
  },
  correctAddress: {
    check: (m) => m.checkCorrectAddress(['moi@thads.example']),
    act: (m) => m.correctAddress('VP', ['moi@thads.example'], NOW),
  },
  answer: { check: (m) => m.checkAnswer(1, 'Trả lời'), act: (m) => m.answer(NOW, 'VP', 1, 'Trả lời') },
  bounce: { check: (m) => m.checkBounce(BOUNCE), act: (m) => m.bounce(BOUNCE, DSN_ACTOR) },
};

// Refusal types, short so the table reads as a grid. Columns follow ACT_ORDER.
const [ok, ND, NP, NX, AA, RP, RC, DR, UD] = [
  'ok',
  'NotDelivered',
  'NoReportPending',
  'NothingToExtend',
  'AlreadyAcknowledged',
  'ReportPending',
  'RunClosed',
  'DirectiveRecalled',
  'UnknownDifficulty',
];
const ACT_ORDER = [
  'acknowledge',
  'submitReport',
  'accept',
  'returnReport',
  'extend',
  'requestExtension',
  'raiseDifficulty',
  'correctAddress',
  'answer',
  'bounce',
] as const;
const TABLE: [Exclude<Stage, 'failed'>, string[]][] = [
  //                 ack submit accept return extend request raise address answer bounce
  ['dispatching', /**/ [ND, ND, NP, NP, NX, NX, ok, ok, UD, ND]],
  ['undeliverable', /**/ [ND, ND, NP, NP, NX, NX, ok, ok, UD, ND]],
  ['dispatched', /*  */ [ok, ok, NP, NP, ok, ok, ok, ok, UD, ok]],
  ['acknowledged', /**/ [AA, ok, NP, NP, ok, ok, ok, ok, UD, ok]],
  ['reported', /*    */ [AA, RP, ok, ok, NX, NX, ok, ok, UD, ok]],
  ['returned', /*    */ [AA, ok, NP, NP, ok, ok, ok, ok, UD, ok]],
  ['done', /*        */ [RC, RC, RC, RC, RC, RC, RC, RC, UD, RC]],
  ['recalled', /*    */ [DR, DR, DR, DR, DR, DR, DR, DR, UD, DR]],
  ['closed', /*      */ [RC, RC, RC, RC, RC, RC, RC, RC, UD, RC]],
];

const CASES = TABLE.flatMap(([stage, row]) => ACT_ORDER.map((act, i) => [stage, act, row[i]!] as const));

describe('unit state machine: which act is allowed in which stage', () => {
  it('the driver reaches every stage it is asked for', () => {
    for (const [stage] of TABLE) expect(at(stage).view.stage).toBe(stage);
  });

  it.each(CASES)('%s: %s → %s, the same from the validator and from the act', (stage, act, want) => {
    const { check, act: run } = ACTS[act]!;
    expect(outcome(() => check(at(stage)))).toBe(want);
    const m = at(stage);
    const before = clone(m.view);
    expect(outcome(() => run(m))).toBe(want);
    // A refused act changes nothing.
    if (want !== 'ok') expect(clone(m.view)).toEqual(before);
  });
});

describe('unit state machine: acts and their effects', () => {
  it('dispatch sets the acknowledgement deadline from the policy and the reports from the dispatch time', () => {
    const m = machine();
    const ack = m.ackDeadlineFrom(T0);
    expect(ack).toBe(T0 + 10 * MIN);
    expect(m.dispatchBody(ack, T0)).toEqual({
      kind: 'dispatch',
      unit: { code: 'T1', name: UNIT.name },
      role: 'implement',
      purpose: 'Như trên',
      ackDeadline: ack,
      ackWhy: '10 phút kể từ lúc gửi (09:00 Thứ Tư, 22/11/2023) → 09:10 Thứ Tư, 22/11/2023',
      reports: [
        {
          title: 'Báo cáo kết quả',
          due: T0 + 60 * MIN,
          why: '1 giờ kể từ lúc gửi (09:00 Thứ Tư, 22/11/2023) → 10:00 Thứ Tư, 22/11/2023',
        },
      ],
    });
    m.dispatched(T0, ack, []);
    expect(m.view).toMatchObject({ stage: 'dispatched', dispatchedAt: T0, ackDeadline: ack, deadlineSetAt: T0 });
    expect(m.delivered).toBe(true);
    expect(m.currentDeadline()).toEqual({ target: 'acknowledge', at: ack });
  });

  it('acknowledging sets the report deadline from the dispatch and is audited, with no mail', () => {
    const m = at('dispatched');
    const fx = m.acknowledge(T0 + 3 * MIN, unitActor);
    expect(fx).toEqual({ audit: { kind: 'acknowledged', data: { stage: 'acknowledged' }, actor: unitActor } });
    expect(m.brief()).toMatchObject({
      stage: 'acknowledged',
      acknowledgedAt: T0 + 3 * MIN,
      reportDeadline: T0 + 60 * MIN,
    });
  });

  it('acknowledging a directive that asks for no report finishes the unit', () => {
    const m = machine({ ...POLICY, reports: [] });
    m.dispatched(T0, T0 + 10 * MIN, []);
    m.acknowledge(T0 + MIN, unitActor);
    expect(m.view.stage).toBe('done');
    expect(m.stopped).toBe(true);
    expect(m.outcome()).toEqual({ code: 'T1', stage: 'done', overdue: false, acknowledged: true, reports: 0 });
  });

  it('a report implies receipt, clears overdue and goes to the Office with its file', () => {
    const m = at('dispatched');
    m.followUp({ item: { key: 'k', at: 0, kind: 'overdue' }, target: 'acknowledge', deadline: T0 + 10 * MIN }, NOW);
    expect(m.view.overdue).toBe(true);
    const fx = m.submitReport(NOW, { by: unitActor, text: 'Đã làm.', fileName: 'bao-cao.pdf', sha256: 'ab12' });
    expect(m.view).toMatchObject({ stage: 'reported', acknowledgedAt: NOW, overdue: false, escalationLevel: 0 });
    expect(fx.audit).toEqual({
      kind: 'report-submitted',
      data: { obligation: 'ket-qua', cycle: 0, textLength: 7, fileName: 'bao-cao.pdf', sha256: 'ab12' },
      actor: unitActor,
    });
    expect(fx.mail).toEqual({
      to: { kind: 'office' },
      body: {
        kind: 'report-received',
        unit: { code: 'T1', name: UNIT.name },
        reportTitle: 'Báo cáo kết quả',
        text: 'Đã làm.',
        fileName: 'bao-cao.pdf',
      },
    });
    expect(m.view.reports[0]).toMatchObject({ obligation: 'ket-qua', cycle: 0, submittedAt: NOW, sha256: 'ab12' });
  });

  it('accepting the last report finishes the unit and tells it, with no next report', () => {
    const m = at('reported');
    const fx = m.accept(NOW, 'VP');
    expect(m.view.stage).toBe('done');
    expect(m.view.reports[0]!.verdict).toBe('accepted');
    expect(fx.audit).toEqual({
      kind: 'report-accepted',
      data: { obligation: 'ket-qua', cycle: 0 },
      actor: { channel: 'office', by: 'VP' },
    });
    expect(fx.mail).toEqual({
      to: { kind: 'unit' },
      body: { kind: 'report-accepted', unit: { code: 'T1', name: UNIT.name }, reportTitle: 'Báo cáo kết quả' },
    });
    expect(m.outcome().reports).toBe(1);
  });

  it('accepting a cycle of a recurring report makes the next cycle due and names it', () => {
    const recurring: Policy = {
      ...POLICY,
      reports: [
        { id: 'dinh-ky', title: 'Báo cáo định kỳ', due: within(60), recurrence: { every: exact(60), count: 2 } },
      ],
    };
    const m = machine(recurring);
    m.dispatched(T0, T0 + 10 * MIN, []);
    m.acknowledge(T0 + MIN, unitActor);
    m.submitReport(T0 + 2 * MIN, { by: unitActor, text: 'Kỳ 1' });
    const fx = m.accept(T0 + 3 * MIN, 'VP');
    expect(m.view).toMatchObject({
      stage: 'acknowledged',
      reportIndex: 0,
      reportCycle: 1,
      deadlineSetAt: T0 + 3 * MIN,
    });
    expect(m.view.reportDeadline).toBe(T0 + 120 * MIN);
    expect(fx.mail!.body).toMatchObject({
      kind: 'report-accepted',
      next: { title: 'Báo cáo định kỳ', due: T0 + 120 * MIN },
    });
    m.submitReport(T0 + 4 * MIN, { by: unitActor, text: 'Kỳ 2' });
    m.accept(T0 + 5 * MIN, 'VP');
    expect(m.view.stage).toBe('done');
  });

  it('returning a report needs a future deadline and a reason, and tells the unit both', () => {
    const m = at('reported');
    expect(outcome(() => m.checkReturn('Thiếu', { instant: NOW }, NOW))).toBe('NotLater');
    expect(outcome(() => m.checkReturn(' ', LATER, NOW))).toBe('EmptyText');
    const fx = m.returnReport(NOW, 'VP', 'Thiếu số liệu', within(30));
    expect(m.view).toMatchObject({ stage: 'returned', reportDeadline: NOW + 30 * MIN, deadlineSetAt: NOW });
    expect(m.view.reports[0]).toMatchObject({ verdict: 'returned', verdictReason: 'Thiếu số liệu' });
    expect(fx.mail).toEqual({
      to: { kind: 'unit' },
      body: {
        kind: 'report-returned',
        unit: { code: 'T1', name: UNIT.name },
        reportTitle: 'Báo cáo kết quả',
        reason: 'Thiếu số liệu',
        due: NOW + 30 * MIN,
      },
    });
  });

  it.each([
    ['the acknowledgement', 'dispatched', 'acknowledge', 'ackDeadline'],
    ['the report', 'acknowledged', 'report', 'reportDeadline'],
  ] as const)(
    'an extension of %s moves that deadline, clears overdue and escalation, and closes requests',
    (_, stage, target, field) => {
      const m = at(stage);
      const from = m.currentDeadline()!.at;
      m.requestExtension(NOW, unitActor, { instant: from + 60 * MIN }, 'Cần thêm thời gian');
      expect(outcome(() => m.checkExtend({ instant: from }, 'x', NOW))).toBe('NotLater');
      const fx = m.extend(NOW, 'VP', { instant: from + 120 * MIN }, 'Đồng ý');
      expect(m.view[field]).toBe(from + 120 * MIN);
      expect(m.view).toMatchObject({
        overdue: false,
        escalationLevel: 0,
        extensionRequests: [],
        extensionRequestsMade: 1,
        deadlineSetAt: NOW,
      });
      expect(fx.audit).toEqual({
        kind: 'extension-granted',
        data: { target, from, until: from + 120 * MIN, reason: 'Đồng ý' },
        actor: { channel: 'office', by: 'VP' },
      });
      expect(fx.mail).toEqual({
        to: { kind: 'unit' },
        body: {
          kind: 'extension-granted',
          unit: { code: 'T1', name: UNIT.name },
          target,
          from,
          until: from + 120 * MIN,
          reason: 'Đồng ý',
        },
      });
    },
  );

  it('extension requests are bounded: a few open at once, ten over the lifecycle', () => {
    const m = at('dispatched');
    const ask = (i: number) => m.requestExtension(NOW, unitActor, { instant: T0 + (20 + i) * MIN }, `Lần ${i}`);
    for (let i = 0; i < LIMITS.openExtensionRequests; i++) ask(i);
    expect(outcome(() => ask(99))).toBe('TooMany');
    let made = LIMITS.openExtensionRequests;
    while (made < LIMITS.extensionRequests) {
      m.extend(NOW, 'VP', { instant: m.currentDeadline()!.at + MIN }, 'Gia hạn');
      for (let i = 0; i < LIMITS.openExtensionRequests && made < LIMITS.extensionRequests; i++, made++)
        ask(1000 + made);
    }
    m.extend(NOW, 'VP', { instant: m.currentDeadline()!.at + MIN }, 'Gia hạn');
    expect(m.view.extensionRequestsMade).toBe(LIMITS.extensionRequests);
    expect(outcome(() => ask(2000))).toBe('TooMany');
  });

  it('a request goes to the Office with the date the unit asked for', () => {
    const fx = at('dispatched').requestExtension(NOW, unitActor, within(90), 'Cần thêm thời gian');
    expect(fx.mail).toEqual({
      to: { kind: 'office' },
      body: {
        kind: 'extension-requested',
        unit: { code: 'T1', name: UNIT.name },
        until: NOW + 90 * MIN,
        reason: 'Cần thêm thời gian',
      },
    });
    expect(fx.audit).toMatchObject({ kind: 'extension-requested', data: { until: NOW + 90 * MIN }, actor: unitActor });
  });

  it('difficulties are numbered, answered once, and bounded while unanswered', () => {
    const m = at('acknowledged');
    const first = m.raiseDifficulty(NOW, unitActor, 'Chưa rõ phạm vi');
    expect(first.id).toBe(1);
    expect(first.mail).toEqual({
      to: { kind: 'office' },
      body: { kind: 'difficulty-raised', unit: { code: 'T1', name: UNIT.name }, id: 1, text: 'Chưa rõ phạm vi' },
    });
    const fx = m.answer(NOW + MIN, 'VP', 1, 'Áp dụng toàn tỉnh');
    expect(fx.mail!.body).toEqual({
      kind: 'difficulty-answered',
      unit: { code: 'T1', name: UNIT.name },
      id: 1,
      question: 'Chưa rõ phạm vi',
      answer: 'Áp dụng toàn tỉnh',
    });
    expect(m.view.difficulties[0]!.answer).toEqual({ text: 'Áp dụng toàn tỉnh', at: NOW + MIN, by: 'VP' });
    expect(outcome(() => m.answer(NOW, 'VP', 1, 'Lần hai'))).toBe('AlreadyAnswered');
    for (let i = 0; i < LIMITS.openDifficulties; i++) m.raiseDifficulty(NOW, unitActor, `Vướng ${i}`);
    expect(outcome(() => m.raiseDifficulty(NOW, unitActor, 'Một nữa'))).toBe('TooMany');
  });

  it.each([
    ['empty text', () => at('dispatched').checkRaiseDifficulty('   '), 'EmptyText'],
    ['a report over its limit', () => at('dispatched').checkSubmitReport('x'.repeat(LIMITS.reportText + 1)), 'TooLong'],
    ['an answer over its limit', () => at('dispatched').checkAnswer(1, 'x'.repeat(LIMITS.answerText + 1)), 'TooLong'],
    ['a report of another obligation', () => at('dispatched').checkSubmitReport('x', 'khac'), 'WrongReport'],
    ['no address', () => at('dispatched').checkCorrectAddress([]), 'NoAddress'],
    ['a malformed address', () => at('dispatched').checkCorrectAddress(['khong-phai-email']), 'BadAddress'],
    [
      'too many addresses',
      () => at('dispatched').checkCorrectAddress(Array.from({ length: LIMITS.emails + 1 }, (_, i) => `a${i}@x.vn`)),
      'TooMany',
    ],
  ])('refuses %s', (_, fn, type) => {
    expect(outcome(fn)).toBe(type);
  });

  it('refusals name the limit in Vietnamese', () => {
    expect(() => at('dispatched').checkSubmitReport('x'.repeat(LIMITS.reportText + 1))).toThrow(
      'Nội dung báo cáo dài 50.001 ký tự, vượt giới hạn 50.000 ký tự.',
    );
  });
});

describe('unit state machine: addresses and delivery', () => {
  it('a partly refused dispatch is resent to the new addresses only, and links of old addresses stop working', () => {
    const m = machine({ ...POLICY }, { ...UNIT, emails: ['t1@thads.example', 'sai@thads.example'] });
    m.dispatched(T0, T0 + 10 * MIN, ['sai@thads.example']);
    expect(m.view).toMatchObject({
      rejectedAddresses: ['sai@thads.example'],
      deliveryError: 'máy chủ thư từ chối địa chỉ này',
    });
    const fx = m.correctAddress('VP', ['T1@thads.example', 'dung@thads.example'], NOW);
    expect(fx.resend).toEqual(['dung@thads.example']);
    expect(fx.audit).toEqual({
      kind: 'address-corrected',
      data: { from: ['t1@thads.example', 'sai@thads.example'], to: ['T1@thads.example', 'dung@thads.example'] },
      actor: { channel: 'office', by: 'VP' },
    });
    expect(m.view.rejectedAddresses).toBeUndefined();
    expect(m.view.linkGeneration).toBe(1);
    expect(m.emails).toEqual(['T1@thads.example', 'dung@thads.example']);
  });

  it('a correction without a refusal resends nothing', () => {
    expect(at('dispatched').correctAddress('VP', ['moi@thads.example'], NOW).resend).toEqual([]);
  });

  it('an undeliverable unit goes back to dispatching when an address comes, unless it was stopped', () => {
    const m = at('undeliverable');
    expect(m.view.deliveryError).toBe('550 không có hộp thư');
    m.correctAddress('VP', ['moi@thads.example'], NOW);
    m.redispatch();
    expect(m.view.stage).toBe('dispatching');
    const stopped = at('undeliverable');
    stopped.stop('recalled', 'Thu hồi');
    stopped.redispatch();
    expect(stopped.view.stage).toBe('recalled');
  });

  it.each([
    ['a recall of a delivered unit', 'dispatched', 'recalled', 'Sai sót', 'Sai sót'],
    ['a recall before delivery', 'dispatching', 'recalled', 'Sai sót', undefined],
    ['a close', 'dispatched', 'closed', 'Kết thúc', undefined],
  ] as const)(
    '%s: stage, no overdue, and a notice only for a unit that has the directive',
    (_, from, stage, reason, notice) => {
      const m = at(from);
      expect(m.stop(stage, reason)).toBe(true);
      expect(m.view).toMatchObject({ stage, stopReason: reason, overdue: false });
      expect(m.recallNotice).toBe(notice);
      expect(m.stop('closed', 'Lần hai')).toBe(false);
      expect(m.view.stage).toBe(stage);
    },
  );

  it('a dispatch that arrives after a recall records delivery and owes the unit a notice', () => {
    const m = machine();
    m.stop('recalled', 'Thu hồi gấp');
    m.deliveredAfterStop(T0);
    expect(m.view).toMatchObject({ stage: 'recalled', dispatchedAt: T0 });
    expect(m.recallNotice).toBe('Thu hồi gấp');
  });
});

describe('unit state machine: a delivery status notification after the relay took the mail', () => {
  it('every address bounced before acknowledgement: không gửi được, the Office told, no follow-up left', () => {
    const m = at('dispatched');
    const fx = m.bounce(BOUNCE, DSN_ACTOR);
    expect(m.view).toMatchObject({
      stage: 'undeliverable',
      rejectedAddresses: ['t1@thads.example'],
      deliveryError: 'thư báo lỗi 5.1.1: 550 5.1.1 User unknown',
    });
    expect(fx.audit).toEqual({
      kind: 'bounced',
      data: { ...BOUNCE, addresses: ['t1@thads.example'] },
      actor: DSN_ACTOR,
    });
    expect(fx.mail).toEqual({
      to: { kind: 'office' },
      body: {
        kind: 'undeliverable',
        unit: { code: 'T1', name: UNIT.name },
        addresses: ['t1@thads.example'],
        error: 'thư báo lỗi 5.1.1: 550 5.1.1 User unknown',
      },
    });
    expect(m.nextFollowUp()).toBeUndefined();
    expect(() => m.checkBounce(BOUNCE)).toThrow(expect.objectContaining({ type: 'AlreadyRefused' }));
  });

  it('one of two addresses bounced: the stage stays, the Office hears which address still takes mail', () => {
    const m = machine({ ...POLICY }, { ...UNIT, emails: ['t1@thads.example', 'vt@thads.example'] });
    m.dispatched(T0, T0 + 10 * MIN, []);
    const fx = m.bounce(BOUNCE, DSN_ACTOR);
    expect(m.view.stage).toBe('dispatched');
    expect(fx.mail?.body).toMatchObject({ addresses: ['t1@thads.example'], accepted: ['vt@thads.example'] });
    expect(m.nextFollowUp()).toBeDefined();
  });

  it('a unit that acknowledged keeps its stage; an address it does not hold is refused', () => {
    const m = at('acknowledged');
    m.bounce(BOUNCE, DSN_ACTOR);
    expect(m.view.stage).toBe('acknowledged');
    const other = at('dispatched');
    expect(() => other.bounce({ ...BOUNCE, addresses: ['la@khac.example'] }, DSN_ACTOR)).toThrow(
      expect.objectContaining({ type: 'NotUnitAddress' }),
    );
    expect(() => other.bounce({ ...BOUNCE, status: '4.2.2' }, DSN_ACTOR)).toThrow(
      expect.objectContaining({ type: 'BadInput' }),
    );
  });

  it('a corrected address sends the directive again, with an acknowledgement deadline counted from now', () => {
    const m = at('dispatched');
    m.bounce(BOUNCE, DSN_ACTOR);
    const later = NOW + 60 * MIN;
    const fx = m.correctAddress('VP', ['moi@thads.example'], later);
    expect(fx.resend).toEqual(['moi@thads.example']);
    expect(m.view).toMatchObject({ stage: 'dispatched', ackDeadline: m.ackDeadlineFrom(later) });
    expect(m.view.rejectedAddresses).toBeUndefined();
    expect(m.nextFollowUp()).toBeDefined();
  });
});

describe('unit state machine: follow-up', () => {
  it('walks reminders, overdue and each escalation step in order, once each, to the right people', () => {
    const m = at('dispatched');
    const steps: unknown[] = [];
    for (let step = m.nextFollowUp(); step; step = m.nextFollowUp()) {
      const fx = m.followUp(step, step.item.at);
      steps.push([step.item.kind, (step.item.at - T0) / MIN, fx.mail?.to, fx.mail?.body.kind]);
    }
    expect(steps).toEqual([
      ['reminder', 5, { kind: 'unit' }, 'reminder'],
      ['reminder', 8, { kind: 'unit' }, 'reminder'],
      ['overdue', 10, undefined, undefined],
      ['escalation', 15, { kind: 'person', party: 'head', email: 'head1@thads.example' }, 'escalation'],
      // The leader has no address of their own: the Office is told.
      ['escalation', 25, { kind: 'office' }, 'escalation'],
      ['escalation', 40, { kind: 'office' }, 'escalation'],
    ]);
    expect(m.view).toMatchObject({ remindersSent: 2, overdue: true, escalationLevel: 3 });
  });

  it('an escalation names its addressee and how late the unit is', () => {
    const m = at('dispatched');
    let step = m.nextFollowUp()!;
    while (step.item.kind !== 'escalation') {
      m.followUp(step, step.item.at);
      step = m.nextFollowUp()!;
    }
    const fx = m.followUp(step, step.item.at);
    expect(fx.mail!.body).toMatchObject({
      kind: 'escalation',
      target: 'acknowledge',
      deadline: T0 + 10 * MIN,
      level: 1,
      addressee: expect.stringContaining('Nguyễn Văn A'),
    });
    expect((fx.mail!.body as { late: string }).late).toMatch(/5 phút/);
  });

  it('a reminder of a report names the report', () => {
    const m = at('acknowledged');
    const step = m.nextFollowUp()!;
    expect(step.target).toBe('report');
    expect(m.followUp(step, step.item.at).mail!.body).toMatchObject({
      kind: 'reminder',
      target: 'report',
      reportTitle: 'Báo cáo kết quả',
    });
  });

  it('an extension re-arms the follow-up for the new date; old keys are dropped before continue-as-new', () => {
    const m = at('dispatched');
    const first = m.nextFollowUp()!;
    m.followUp(first, first.item.at);
    m.extend(T0 + 6 * MIN, 'VP', { instant: T0 + 100 * MIN }, 'Gia hạn');
    const next = m.nextFollowUp()!;
    expect(next.deadline).toBe(T0 + 100 * MIN);
    expect(next.item.kind).toBe('reminder');
    m.followUp(next, next.item.at);
    expect(m.view.firedKeys).toHaveLength(2);
    m.pruneFiredKeys();
    expect(m.view.firedKeys).toEqual([next.item.key]);
  });

  it('a unit with nothing due has no follow-up', () => {
    expect(at('reported').nextFollowUp()).toBeUndefined();
    expect(at('done').nextFollowUp()).toBeUndefined();
  });
});

describe('the clock stops while the Office owes an answer (pauseWhileDifficultyOpen)', () => {
  const HN = (iso: string) => Date.parse(`${iso}+07:00`);
  const working = { kind: 'working' as const, days: 5 };
  const paused: Policy = { ...POLICY, acknowledge: { due: { within: working } }, pauseWhileDifficultyOpen: true };
  /** Dispatched Wed 22/11/2023 09:00: acknowledgement due end of Wed 29/11 (5 working days, 22/11 not counted). */
  function dispatched(policy: Policy) {
    const m = machine(policy);
    const t = HN('2023-11-22T09:00:00');
    m.dispatched(t, m.ackDeadlineFrom(t), []);
    return m;
  }

  it('from the difficulty to the answer nothing fires; the deadline then moves by the working days waited', () => {
    const m = dispatched(paused);
    expect(m.view.ackDeadline).toBe(HN('2023-11-30T00:00:00'));
    m.raiseDifficulty(HN('2023-11-23T10:00:00'), unitActor, 'Chưa rõ mẫu biên bản.');
    expect(m.view.pausedSince).toBe(HN('2023-11-23T10:00:00'));
    // Past the original deadline and every escalation: no step is due while paused.
    expect(m.nextFollowUp()).toBeUndefined();
    // Answered Tue 28/11: Fri 24, Mon 27, Tue 28 are the 3 working days waited (Thu 23 not counted).
    const fx = m.answer(HN('2023-11-28T15:00:00'), 'Chuyên viên', 1, 'Dùng mẫu số 02.');
    expect(m.view.pausedSince).toBeUndefined();
    // Wed 29/11 + 3 working days = Mon 4/12.
    expect(m.view.ackDeadline).toBe(HN('2023-12-05T00:00:00'));
    expect(m.view.pauses).toEqual([
      {
        from: HN('2023-11-23T10:00:00'),
        to: HN('2023-11-28T15:00:00'),
        difficulty: 1,
        workingDays: 3,
        target: 'acknowledge',
        deadlineFrom: HN('2023-11-30T00:00:00'),
        deadlineTo: HN('2023-12-05T00:00:00'),
      },
    ]);
    const resumed = { from: HN('2023-11-30T00:00:00'), until: HN('2023-12-05T00:00:00'), workingDays: 3 };
    expect(fx.audit!.data).toEqual({ id: 1, text: 'Dùng mẫu số 02.', resumed });
    expect(fx.mail!.body).toMatchObject({ kind: 'difficulty-answered', resumed });
    // Follow-up resumes against the new date.
    expect(m.nextFollowUp()).toMatchObject({ deadline: HN('2023-12-05T00:00:00') });
  });

  it('a second difficulty keeps the clock stopped until the last one is answered', () => {
    const m = dispatched(paused);
    m.raiseDifficulty(HN('2023-11-23T10:00:00'), unitActor, 'Một');
    m.raiseDifficulty(HN('2023-11-24T10:00:00'), unitActor, 'Hai');
    m.answer(HN('2023-11-27T10:00:00'), 'Chuyên viên', 1, 'Trả lời một.');
    expect(m.view.pausedSince).toBe(HN('2023-11-23T10:00:00'));
    expect(m.nextFollowUp()).toBeUndefined();
    m.answer(HN('2023-11-29T10:00:00'), 'Chuyên viên', 2, 'Trả lời hai.');
    // 24, 27, 28, 29: 4 working days; Wed 29/11 + 4 = Tue 5/12.
    expect(m.view.ackDeadline).toBe(HN('2023-12-06T00:00:00'));
  });

  it('answered the same day: nothing moves; and without the policy the clock never stops', () => {
    const same = dispatched(paused);
    same.raiseDifficulty(HN('2023-11-23T10:00:00'), unitActor, 'Một');
    const fx = same.answer(HN('2023-11-23T16:00:00'), 'Chuyên viên', 1, 'Xong.');
    expect(same.view.ackDeadline).toBe(HN('2023-11-30T00:00:00'));
    expect(fx.audit!.data).toEqual({ id: 1, text: 'Xong.' });

    const off = dispatched({ ...paused, pauseWhileDifficultyOpen: false });
    off.raiseDifficulty(HN('2023-11-23T10:00:00'), unitActor, 'Một');
    expect(off.view.pausedSince).toBeUndefined();
    expect(off.nextFollowUp()).toBeDefined();
  });

  it('a deadline set to the minute moves by the time waited', () => {
    const m = dispatched({ ...POLICY, pauseWhileDifficultyOpen: true });
    const due = m.view.ackDeadline!;
    m.raiseDifficulty(HN('2023-11-22T09:03:00'), unitActor, 'Một');
    m.answer(HN('2023-11-22T09:45:00'), 'Chuyên viên', 1, 'Xong.');
    expect(m.view.ackDeadline).toBe(due + 42 * MIN);
  });
});

describe('deadlines moved by a rule (a wait, a new calendar) keep what the Office chose and send nothing twice', () => {
  const HN = (iso: string) => Date.parse(`${iso}+07:00`);
  const working = (days: number) => ({ kind: 'working' as const, days });
  const policy: Policy = {
    ...POLICY,
    acknowledge: { due: { within: working(5) } },
    reminders: [],
    escalation: [
      { after: working(1), notify: 'head' },
      { after: working(10), notify: 'office' },
    ],
    pauseWhileDifficultyOpen: true,
  };
  /** Dispatched Wed 22/11/2023 09:00 under `calendar`: acknowledgement due end of Wed 29/11. */
  function dispatched(calendar = cal) {
    const m = new UnitLifecycleState(newSnapshot(UNIT), { policy, cal: calendar, officeName: 'Văn phòng Tổng cục' });
    const t = HN('2023-11-22T09:00:00');
    m.dispatched(t, m.ackDeadlineFrom(t), []);
    return m;
  }
  const y2023 = cal.data['2023']!;
  const dayOff = (d: string) => ({ '2023': { ...y2023, daysOff: [...y2023.daysOff, d] } });

  it("a change for another year keeps the run's own calendar file", () => {
    // The run started with a file that made Mon 27/11 a day off: due end of Thu 30/11.
    const m = dispatched(cal.withOverride(dayOff('2023-11-27')));
    expect(m.view.ackDeadline).toBe(HN('2023-12-01T00:00:00'));
    const fx = m.changeCalendar(
      HN('2023-11-23T09:00:00'),
      'VP',
      { '2031': { daysOff: [], workingSaturdays: [] } },
      'x',
    );
    expect(fx.moved).toEqual([]);
    expect(m.view.ackDeadline).toBe(HN('2023-12-01T00:00:00'));
  });

  it('a deadline a wait moved is not counted again by a later calendar', () => {
    const m = dispatched();
    m.raiseDifficulty(HN('2023-11-23T10:00:00'), unitActor, 'Một');
    m.answer(HN('2023-11-28T15:00:00'), 'VP', 1, 'Xong.'); // 3 working days: due end of Mon 4/12
    expect(m.view.ackDeadline).toBe(HN('2023-12-05T00:00:00'));
    const fx = m.changeCalendar(HN('2023-11-29T09:00:00'), 'VP', dayOff('2023-11-30'), 'x');
    expect(fx.moved).toEqual([]);
    expect(m.view.ackDeadline).toBe(HN('2023-12-05T00:00:00'));
  });

  it('a late unit that raises a difficulty is not paused; its escalation goes on', () => {
    const m = dispatched();
    const late = HN('2023-11-30T09:00:00');
    m.raiseDifficulty(late, unitActor, 'Trễ rồi mới hỏi.');
    expect(m.view.pausedSince).toBeUndefined();
    expect(m.nextFollowUp()).toMatchObject({ item: { kind: 'overdue' } });
  });

  it('a new calendar that moves a past deadline to a date still past sends no escalation again', () => {
    const m = dispatched();
    const now = HN('2023-12-01T09:00:00');
    for (let step = m.nextFollowUp(); step && step.item.at <= now; step = m.nextFollowUp()) m.followUp(step, now);
    expect(m.view).toMatchObject({ overdue: true, escalationLevel: 1 });
    // Tue 28/11 becomes a day off: due end of Thu 30/11, still before now.
    const fx = m.changeCalendar(now, 'VP', dayOff('2023-11-28'), 'x');
    expect(fx.moved).toEqual([
      { target: 'acknowledge', from: HN('2023-11-30T00:00:00'), until: HN('2023-12-01T00:00:00') },
    ]);
    expect(m.view).toMatchObject({ overdue: true, escalationLevel: 1 });
    // Next is the office's step, 10 working days after the new date, not the head's again.
    expect(m.nextFollowUp()).toMatchObject({ item: { kind: 'escalation', level: 2 } });
  });

  it('an older difficulty left open does not hold the wait of a later one', () => {
    const m = dispatched();
    m.raiseDifficulty(HN('2023-11-30T09:00:00'), unitActor, 'Một, khi đã trễ'); // not a wait: no clock left
    m.extend(HN('2023-11-30T10:00:00'), 'VP', { date: '2023-12-15' }, 'Cho thêm thời gian');
    m.raiseDifficulty(HN('2023-11-30T11:00:00'), unitActor, 'Hai');
    m.raiseDifficulty(HN('2023-11-30T12:00:00'), unitActor, 'Ba');
    expect(m.view).toMatchObject({ pausedSince: HN('2023-11-30T11:00:00'), pausedFor: 2 });
    m.answer(HN('2023-12-01T10:00:00'), 'VP', 2, 'Xong hai.');
    expect(m.view.pausedSince).toBe(HN('2023-11-30T11:00:00')); // 3 belongs to this wait
    m.answer(HN('2023-12-01T11:00:00'), 'VP', 3, 'Xong ba.');
    // Difficulty 1 is still open, yet the wait is over: 1 working day (1/12) moves 15/12 to 18/12.
    expect(m.view.pausedSince).toBeUndefined();
    expect(m.view.ackDeadline).toBe(HN('2023-12-19T00:00:00'));
  });
});

describe('a calendar change is bounded', () => {
  it('more than 10 years, a year not written in 4 digits, or a date that does not exist is refused and changes nothing', () => {
    const m = machine();
    m.dispatched(T0, m.ackDeadlineFrom(T0), []);
    const before = structuredClone(m.view);
    const year = { daysOff: [], workingSaturdays: [] };
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [String(2030 + i), year]));
    const bad = (data: Record<string, unknown>) => {
      try {
        m.changeCalendar(T0 + MIN, 'VP', data as never, 'x');
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const data of [eleven, {}, { '27': year }, { '2030': { daysOff: ['2030-02-30'], workingSaturdays: [] } }]) {
      const e = bad(data);
      expect(e).toBeInstanceOf(LifecycleRefusal);
      expect((e as LifecycleRefusal).type).toBe('BadInput');
    }
    expect(m.view).toEqual(before);
  });
});

describe('requireView: the unit opens the document before it acknowledges through its link', () => {
  const office: Actor = { channel: 'office', by: 'Văn thư (qua điện thoại)' };
  const email: Actor = { channel: 'email', by: 'Cục THADS tỉnh Thử 1' };
  const held = (hasDocument: boolean) => {
    const m = new UnitLifecycleState(newSnapshot(UNIT), {
      policy: { ...POLICY, requireView: true },
      cal,
      officeName: 'Văn phòng Tổng cục',
      hasDocument,
    });
    m.dispatched(T0, T0 + 10 * MIN, []);
    return m;
  };

  it.each([
    ['with a file: nothing opened', true, [], 'NotViewed'],
    ['with a file: the page opened, not the file', true, ['page'], 'NotViewed'],
    ['with a file: the file opened', true, ['document'], 'ok'],
    ['without a file: the page opened', false, ['page'], 'ok'],
    ['without a file: nothing opened', false, [], 'NotViewed'],
  ] as const)('%s → %s', (_case, hasDocument, opened, expected) => {
    const m = held(hasDocument);
    for (const what of opened) m.markViewed(T0 + MIN, unitActor, what === 'document' ? { document: true } : {});
    expect(outcome(() => m.checkAcknowledge(unitActor))).toBe(expected);
    expect(outcome(() => m.acknowledge(T0 + 2 * MIN, unitActor))).toBe(expected);
  });

  it("holds neither the Office's record nor an email reply, and without the policy holds nothing", () => {
    expect(outcome(() => held(true).acknowledge(T0 + MIN, office))).toBe('ok');
    expect(outcome(() => held(true).acknowledge(T0 + MIN, email))).toBe('ok');
    const free = machine();
    free.dispatched(T0, T0 + 10 * MIN, []);
    expect(outcome(() => free.acknowledge(T0 + MIN, unitActor))).toBe('ok');
  });

  it('a report through the link that would acknowledge is held too; the Office may record one', () => {
    const m = held(true);
    expect(outcome(() => m.checkSubmitReport('Đã quán triệt.', undefined, unitActor))).toBe('NotViewed');
    expect(outcome(() => m.submitReport(T0 + MIN, { by: unitActor, text: 'Đã quán triệt.' }))).toBe('NotViewed');
    expect(m.view.acknowledgedAt).toBeUndefined();
    expect(outcome(() => m.submitReport(T0 + MIN, { by: office, text: 'Đơn vị báo qua điện thoại.' }))).toBe('ok');
  });

  it('the file opened is recorded once, with the page view it implies', () => {
    const m = held(true);
    const fx = m.markViewed(T0 + MIN, unitActor, { document: true });
    expect(fx.audit).toMatchObject({ kind: 'viewed', data: { stage: 'dispatched', document: true } });
    expect(m.view).toMatchObject({ viewedAt: T0 + MIN, documentOpenedAt: T0 + MIN });
    expect(outcome(() => m.markViewed(T0 + 2 * MIN, unitActor, { document: true }))).toBe('AlreadyViewed');
    expect(outcome(() => m.markViewed(T0 + 2 * MIN, unitActor))).toBe('AlreadyViewed');
  });
});

describe('sending the dispatch again', () => {
  it.each([
    ['dispatching', 'NotDelivered'],
    ['undeliverable', 'NotDelivered'],
    ['dispatched', 'ok'],
    ['acknowledged', 'AlreadyAcknowledged'],
    ['recalled', 'DirectiveRecalled'],
  ] as const)('in stage %s → %s', (stage, expected) => {
    expect(outcome(() => at(stage).resendDispatch('Văn thư'))).toBe(expected);
  });

  it('is audited with the addresses and the count, moves no deadline, and stops after five', () => {
    const m = at('dispatched');
    const due = m.view.ackDeadline;
    expect(m.resendDispatch('Văn thư (vt)')).toEqual({
      kind: 'dispatch-resent',
      data: { to: ['t1@thads.example'], count: 1 },
      actor: { channel: 'office', by: 'Văn thư (vt)' },
    });
    for (let i = 2; i <= 5; i++) m.resendDispatch('Văn thư (vt)');
    expect(m.view.ackDeadline).toBe(due);
    expect(outcome(() => m.resendDispatch('Văn thư (vt)'))).toBe('TooMany');
  });
});
