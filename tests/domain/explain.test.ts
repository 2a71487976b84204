import { describe, expect, it } from 'vitest';
import { WorkingCalendar, instantAt } from '../../src/domain/calendar';
import { parseDuration } from '../../src/domain/duration';
import {
  explainDeadline,
  explainEscalation,
  explainExtension,
  explainReminder,
  explainUnitDeadlines,
} from '../../src/domain/explain';
import { escalationAt, reminderAt, resolveDeadline, type DeadlineSpec } from '../../src/domain/schedule';
import { vnDateTime } from '../../src/domain/vn-format';

/**
 * "Why this date?" Every expected date below was counted by hand on the published calendars (weekends,
 * 30/4–1/5, 2/9, Tết, make-up Saturdays), not by the code under test; each explanation must also end on
 * exactly the date the scheduler computes.
 */
const cal = new WorkingCalendar();
const within = (s: string): DeadlineSpec => ({ within: parseDuration(s) });
/** Dispatched at 09:00 Hà Nội time on `date`. */
const sent = (date: string) => instantAt(date, 9);

describe('explainDeadline', () => {
  it.each<[string, DeadlineSpec, string, string]>([
    [
      'the seed: 15 working days from Wed 22/11/2023',
      within('15 ngày làm việc'),
      '2023-11-22',
      '15 ngày làm việc kể từ 22/11/2023 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật) → hết 13/12/2023',
    ],
    [
      'a date on 30/4/2025 moves past 30/4–4/5 to Mon 5/5',
      { date: '2025-04-30' },
      '2025-04-20',
      'ngày Văn phòng ấn định 30/04/2025, rơi vào 30/4 (nghỉ 30/4 và 1/5) nên dời sang 05/05/2025 → hết 05/05/2025',
    ],
    [
      'a date on 2/9/2025 moves to Wed 3/9',
      { date: '2025-09-02' },
      '2025-08-20',
      'ngày Văn phòng ấn định 02/09/2025, rơi vào 2/9 (nghỉ Quốc khánh 2/9) nên dời sang 03/09/2025 → hết 03/09/2025',
    ],
    [
      '5 working days across Tết 2024 (8–14/2 off)',
      within('5 ngày làm việc'),
      '2024-02-06',
      '5 ngày làm việc kể từ 06/02/2024 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật, 8/2–14/2 (nghỉ Tết Nguyên đán)) → hết 20/02/2024',
    ],
    [
      '4 working days over 27/4–1/5/2024 count the make-up Saturday 4/5',
      within('4 ngày làm việc'),
      '2024-04-25',
      '4 ngày làm việc kể từ 25/04/2024 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật, 27/4–1/5 (nghỉ 30/4 và 1/5); tính thứ Bảy làm bù 4/5) → hết 04/05/2024',
    ],
    [
      '10 calendar days ending on a Saturday move to Monday',
      within('10 ngày'),
      '2023-11-22',
      '10 ngày kể từ 22/11/2023 (không tính ngày gửi) là 02/12/2023, rơi vào 2/12 (thứ Bảy) nên dời sang 04/12/2023 → hết 04/12/2023',
    ],
    [
      'a deadline in 2027 says its days off are only projected',
      within('2 ngày làm việc'),
      '2027-02-03',
      '2 ngày làm việc kể từ 03/02/2027 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật, 5/2–10/2 (nghỉ Tết Nguyên đán)) → hết 11/02/2027 (lịch nghỉ năm 2027 mới là dự kiến, chưa công bố chính thức)',
    ],
    [
      'an exact period runs from the moment of dispatch',
      within('PT2H'),
      '2023-11-22',
      '2 giờ kể từ lúc gửi (09:00 Thứ Tư, 22/11/2023) → 11:00 Thứ Tư, 22/11/2023',
    ],
    [
      'an instant is the Office’s own',
      { instant: Date.parse('2023-12-15T17:00:00+07:00') },
      '2023-11-22',
      'thời điểm Văn phòng ấn định: 17:00 Thứ Sáu, 15/12/2023',
    ],
  ])('%s', (_title, spec, date, expected) => {
    expect(explainDeadline(spec, sent(date), cal)).toBe(expected);
    // The words end on the date the scheduler uses.
    const at = resolveDeadline(spec, sent(date), cal);
    expect(expected.endsWith(vnDateTime(at)) || expected.includes(`→ hết ${vnDateTime(at).slice(-10)}`)).toBe(true);
  });

  it('a day off that only an override adds is named by its label, and the override is the source', () => {
    const withDayOff = cal.withOverride(
      {
        '2023': {
          ...cal.data['2023']!,
          daysOff: [...cal.data['2023']!.daysOff, '2023-12-12'],
          labels: { ...cal.data['2023']!.labels, '2023-12-12': 'đột xuất theo thông báo của Bộ' },
        },
      },
      'tệp lich-2023.yaml',
    );
    expect(explainDeadline(within('15 ngày làm việc'), sent('2023-11-22'), withDayOff)).toBe(
      '15 ngày làm việc kể từ 22/11/2023 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật, 12/12 (nghỉ đột xuất theo thông báo của Bộ)) → hết 14/12/2023',
    );
    expect(withDayOff.sourceOf('2023')).toBe('tệp lich-2023.yaml');
    expect(withDayOff.sourceOf('2024')).toMatch(/lịch dựng sẵn/);
  });
});

describe('explainReminder and explainEscalation', () => {
  const deadline = resolveDeadline(within('15 ngày làm việc'), sent('2023-11-22'), cal); // end of 13/12/2023
  it.each([
    ['2 ngày làm việc', '08:00 ngày làm việc thứ hai trước ngày hết hạn 13/12/2023 → 08:00 Thứ Hai, 11/12/2023'],
    ['0 ngày làm việc', '08:00 ngày hết hạn 13/12/2023 → 08:00 Thứ Tư, 13/12/2023'],
    [
      '0 ngày',
      '08:00 ngày hết hạn 13/12/2023 (ngày nghỉ thì lùi về ngày làm việc trước đó) → 08:00 Thứ Tư, 13/12/2023',
    ],
    [
      '4 ngày',
      // Sat 9/12 is not a working day: the reminder goes back to Fri 8/12.
      '08:00 4 ngày trước ngày hết hạn 13/12/2023 (ngày nghỉ thì lùi về ngày làm việc trước đó) → 08:00 Thứ Sáu, 08/12/2023',
    ],
    ['PT1H', '1 giờ trước hạn → 23:00 Thứ Tư, 13/12/2023'],
  ])('a reminder %s before', (before, expected) => {
    expect(explainReminder(deadline, parseDuration(before), cal)).toBe(expected);
    expect(expected.endsWith(vnDateTime(reminderAt(deadline, parseDuration(before), cal)))).toBe(true);
  });

  it.each([
    [
      '2 ngày làm việc',
      'quá hạn 2 ngày làm việc: 08:00 ngày làm việc thứ hai sau ngày hết hạn 13/12/2023 → 08:00 Thứ Sáu, 15/12/2023',
    ],
    [
      '3 ngày làm việc',
      // Thu 14, Fri 15, then Mon 18: the weekend is not counted.
      'quá hạn 3 ngày làm việc: 08:00 ngày làm việc thứ ba sau ngày hết hạn 13/12/2023 → 08:00 Thứ Hai, 18/12/2023',
    ],
    [
      '3 ngày',
      'quá hạn 3 ngày: 08:00 ngày thứ ba sau ngày hết hạn 13/12/2023 (ngày nghỉ thì dời sang ngày làm việc kế tiếp) → 08:00 Thứ Hai, 18/12/2023',
    ],
    ['PT30M', 'quá hạn 30 phút → 00:30 Thứ Năm, 14/12/2023'],
  ])('an escalation after %s', (after, expected) => {
    expect(explainEscalation(deadline, parseDuration(after), cal)).toBe(expected);
    expect(expected.endsWith(vnDateTime(escalationAt(deadline, parseDuration(after), cal)))).toBe(true);
  });

  it('an extension says who moved the date, when, why and from what', () => {
    expect(
      explainExtension({
        by: 'Chánh Văn phòng',
        at: instantAt('2023-12-05', 10),
        reason: 'Đơn vị đang sáp nhập',
        from: deadline,
        until: resolveDeadline({ date: '2023-12-20' }, 0, cal),
      }),
    ).toBe(
      'Chánh Văn phòng gia hạn ngày 05/12/2023 (lý do: Đơn vị đang sáp nhập), từ hết Thứ Tư, 13/12/2023 → hết Thứ Tư, 20/12/2023',
    );
  });
});

describe('explainUnitDeadlines: the deadline a unit holds now', () => {
  const policy = {
    acknowledge: { due: within('1 ngày làm việc') },
    reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: within('15 ngày làm việc') }],
  } as unknown as Parameters<typeof explainUnitDeadlines>[1];
  const dispatchedAt = sent('2023-11-22');
  const base = {
    dispatchedAt,
    ackDeadline: resolveDeadline(within('1 ngày làm việc'), dispatchedAt, cal),
    extensions: [],
    reports: [],
    reportIndex: 0,
    reportCycle: 0,
  };
  it.each<[string, Partial<Parameters<typeof explainUnitDeadlines>[0]>, { acknowledge?: string; report?: string }]>([
    [
      'as the policy set it at dispatch',
      {},
      {
        acknowledge:
          '1 ngày làm việc kể từ 22/11/2023 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật) → hết 23/11/2023',
      },
    ],
    [
      'extended by the Office',
      {
        ackDeadline: resolveDeadline({ date: '2023-11-30' }, 0, cal),
        extensions: [
          {
            at: instantAt('2023-11-23', 15),
            target: 'acknowledge',
            from: resolveDeadline(within('1 ngày làm việc'), dispatchedAt, cal),
            until: resolveDeadline({ date: '2023-11-30' }, 0, cal),
            reason: 'mất điện',
            by: 'Chánh Văn phòng',
          },
        ],
      },
      {
        acknowledge:
          'Chánh Văn phòng gia hạn ngày 23/11/2023 (lý do: mất điện), từ hết Thứ Năm, 23/11/2023 → hết Thứ Năm, 30/11/2023',
      },
    ],
    [
      'a report due by the policy',
      { ackDeadline: undefined, reportDeadline: resolveDeadline(within('15 ngày làm việc'), dispatchedAt, cal) },
      {
        report: '15 ngày làm việc kể từ 22/11/2023 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật) → hết 13/12/2023',
      },
    ],
    [
      'a returned report with its new date',
      {
        ackDeadline: undefined,
        reportDeadline: resolveDeadline({ date: '2023-12-20' }, 0, cal),
        deadlineSetAt: instantAt('2023-12-14', 9),
        reports: [
          {
            obligation: 'kq',
            cycle: 0,
            submittedAt: instantAt('2023-12-12', 9),
            by: { channel: 'link', by: 'Cục' },
            text: 'x',
            verdict: 'returned',
            verdictReason: 'thiếu số liệu',
          },
        ],
      },
      {
        report: 'báo cáo bị trả lại ngày 14/12/2023 (lý do: thiếu số liệu); hạn nộp lại → hết Thứ Tư, 20/12/2023',
      },
    ],
  ])('%s', (_title, over, expected) => {
    expect(explainUnitDeadlines({ ...base, ...over }, policy, cal)).toEqual(expected);
  });

  it('an exact period set a moment before the dispatch was recorded still explains itself', () => {
    const exact = { ...policy, acknowledge: { due: within('PT45S') } } as typeof policy;
    const held = dispatchedAt - 300 + 45_000;
    expect(explainUnitDeadlines({ ...base, ackDeadline: held }, exact, cal).acknowledge).toBe(
      `45 giây kể từ lúc bắt đầu gửi → ${vnDateTime(held)}`,
    );
  });
});
