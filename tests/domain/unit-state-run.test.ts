import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../src/domain/calendar';
import type { RecipientInfo } from '../../src/domain/plan';
import { MAX_RECIPIENTS_PER_UPDATE, RunBook, addCounts, countStages, nextDigestAt } from '../../src/domain/run-state';
import { LIMITS, LifecycleRefusal } from '../../src/domain/unit-state';

/** The run's own state (roster, batches, stop) and the counting the batches and the summary share. */
const cal = new WorkingCalendar();
const vn = (s: string) => Date.parse(`${s}+07:00`);

const unit = (code: string, role: RecipientInfo['role'] = 'implement'): RecipientInfo => ({
  code,
  name: `Đơn vị ${code}`,
  emails: [`${code.toLowerCase()}@thads.example`],
  role,
  purpose: role === 'implement' ? 'Như trên' : 'để b/c',
});

function refusal(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof LifecycleRefusal) return `${e.type}: ${e.message}`;
    throw e;
  }
}

describe('run book', () => {
  it('adds units once, in batches of the given size, and keeps info-only recipients apart', () => {
    const book = new RunBook(RunBook.fresh(3, 0), '4432/TCTHADS-VP');
    const recipients = [unit('A'), unit('B'), unit('C'), unit('TCT', 'report')];
    const chunks = book.addRecipients(recipients, 2);
    expect(chunks.map((c) => c.map((u) => u.code))).toEqual([['A', 'B'], ['C']]);
    expect(chunks.map((c) => book.openBatch(c.length))).toEqual([0, 1]);
    expect(book.addInfoRecipients(recipients).map((i) => [i.code, i.delivered])).toEqual([['TCT', false]]);
    expect(book.view).toMatchObject({ expected: 4, roster: ['A', 'B', 'C', 'TCT'] });
    expect(book.addedAudit(recipients)).toEqual({
      kind: 'recipients-added',
      data: { codes: ['A', 'B', 'C', 'TCT'], roles: ['implement', 'implement', 'implement', 'report'], total: 4 },
    });
    expect(refusal(() => book.checkAddRecipients([unit('B')]))).toBe(
      'AlreadyAdded: Đơn vị "B" đã có trong đợt gửi 4432/TCTHADS-VP.',
    );
  });

  it.each([
    ['no recipients', [], 'NoRecipients: Không có nơi nhận nào để thêm.'],
    [
      'too many at once',
      Array.from({ length: MAX_RECIPIENTS_PER_UPDATE + 1 }, (_, i) => unit(`U${i}`)),
      `TooMany: Mỗi lần thêm tối đa ${MAX_RECIPIENTS_PER_UPDATE} nơi nhận.`,
    ],
  ])('refuses %s', (_, recipients, want) => {
    expect(refusal(() => new RunBook(RunBook.fresh(0, 0), 'x').checkAddRecipients(recipients))).toBe(want);
  });

  it.each([
    ['recall', 'DirectiveRecalled', 'bị thu hồi'],
    ['close', 'RunClosed', 'kết thúc'],
  ] as const)('after a %s every later act is refused as %s', (act, type, words) => {
    const book = new RunBook(RunBook.fresh(1, 0), '4432/TCTHADS-VP');
    const audit = act === 'recall' ? book.recall('VP', 'Sai sót', 5) : book.close('VP', 'Xong', 5);
    expect(audit).toEqual({
      kind: act === 'recall' ? 'recalled' : 'closed',
      data: act === 'recall' ? { reason: 'Sai sót' } : { note: 'Xong' },
      actor: { channel: 'office', by: 'VP' },
    });
    expect(book.stop).toMatchObject({ stage: act === 'recall' ? 'recalled' : 'closed', by: 'VP', at: 5 });
    expect(refusal(() => book.checkAddRecipients([unit('Z')]))).toBe(
      `${type}: Đợt gửi 4432/TCTHADS-VP đã ${words}; không thể thêm nơi nhận.`,
    );
    expect(refusal(() => book.checkClose(''))).toBe(`${type}: Đợt gửi 4432/TCTHADS-VP đã ${words}.`);
    expect(refusal(() => book.checkRecall('Lần hai'))).toBe(`${type}: Đợt gửi 4432/TCTHADS-VP đã ${words}.`);
  });

  it.each([
    ['a recall without a reason', (b: RunBook) => b.checkRecall('  '), 'EmptyText: Cần nêu lý do thu hồi.'],
    [
      'a recall reason over its limit',
      (b: RunBook) => b.checkRecall('x'.repeat(LIMITS.reason + 1)),
      `TooLong: Lý do thu hồi dài quá ${LIMITS.reason} ký tự.`,
    ],
    [
      'a close note over its limit',
      (b: RunBook) => b.checkClose('x'.repeat(LIMITS.reason + 1)),
      `TooLong: Ghi chú dài quá ${LIMITS.reason} ký tự.`,
    ],
    ['a close without a note', (b: RunBook) => b.checkClose(''), 'ok'],
  ])('%s', (_, fn, want) => {
    expect(refusal(() => fn(new RunBook(RunBook.fresh(0, 0), 'x')))).toBe(want);
  });

  it('sums the batches, counts the informed, and sends a recall summary to every info recipient', () => {
    const book = new RunBook(RunBook.fresh(0, 0), 'x');
    const recipients = [unit('A'), unit('B'), unit('TCT', 'report'), unit('LUU', 'archive')];
    for (const c of book.addRecipients(recipients, 1)) book.openBatch(c.length);
    const [tct] = book.addInfoRecipients(recipients);
    tct!.delivered = true;
    expect(book.allFinished).toBe(false);
    expect(book.unfinishedBatches()).toEqual([0, 1]);
    book.batchFinished(0, { done: 1 }, 1);
    book.batchFinished(1, { dispatched: 1, overdue: 1 }, 1);
    expect(book.allFinished).toBe(true);
    expect(book.summary('closed')).toEqual({
      counts: { done: 1, dispatched: 1, overdue: 1, informed: 1 },
      total: 2,
      to: ['tct@thads.example'],
    });
    expect(book.summary('recalled').to).toEqual(['tct@thads.example', 'luu@thads.example']);
    expect(book.undelivered().map((i) => i.code)).toEqual(['LUU']);
  });

  it('carries the roster and the audit sequence over continue-as-new', () => {
    const book = new RunBook(RunBook.fresh(0, 0), 'x');
    book.addRecipients([unit('A')], 10);
    expect(book.nextSeq()).toBe(0);
    expect(book.carryOver(7)).toMatchObject({ roster: ['A'], auditSeq: 7, seq: 1 });
    expect(new RunBook(book.view, 'x').added).toEqual(['A']);
  });
});

describe('stage counting', () => {
  it('counts outcomes by stage with overdue ones apart, and adds batches up', () => {
    const a = countStages([
      { stage: 'done', overdue: false },
      { stage: 'dispatched', overdue: true },
      { stage: 'dispatched', overdue: false },
    ]);
    expect(a).toEqual({ done: 1, dispatched: 2, overdue: 1 });
    expect(addCounts([a, { done: 2, failed: 1 }])).toEqual({ done: 3, dispatched: 2, overdue: 1, failed: 1 });
  });
});

describe('digest period', () => {
  it.each([
    [
      '1 working day from a Friday: Monday at 8:00',
      { kind: 'working', days: 1 },
      '2023-11-24T10:00',
      '2023-11-27T08:00',
    ],
    ['2 working days from a Wednesday', { kind: 'working', days: 2 }, '2023-11-22T15:00', '2023-11-24T08:00'],
    ['1 working day before the 2024 Tết break', { kind: 'working', days: 1 }, '2024-02-07T10:00', '2024-02-15T08:00'],
    [
      '1 calendar day: the same time the next day',
      { kind: 'calendar', days: 1 },
      '2023-11-24T10:00',
      '2023-11-25T10:00',
    ],
    ['an exact period', { kind: 'exact', ms: 60_000 }, '2023-11-24T10:00', '2023-11-24T10:01'],
  ] as const)('%s', (_, every, from, want) => {
    expect(nextDigestAt(every, vn(from), cal)).toBe(vn(want));
  });

  it.each([
    ['no digest', undefined],
    ['a zero period', { kind: 'working', days: 0 } as const],
  ])('%s: none is due', (_, every) => {
    expect(nextDigestAt(every, vn('2023-11-24T10:00'), cal)).toBeUndefined();
  });
});
