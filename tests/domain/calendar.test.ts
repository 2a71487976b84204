import { describe, expect, it } from 'vitest';
import { WorkingCalendar, instantAt, localDateOf, weekday, endOfDay } from '../../src/domain/calendar';
import { parseDuration } from '../../src/domain/duration';
import { resolveDeadline, reminderAt, escalationAt, reportDeadline, addMonths } from '../../src/domain/schedule';
import { followUpSchedule } from '../../src/domain/follow-up';

const cal = new WorkingCalendar();
const at = (s: string) => Date.parse(s);

describe('working days', () => {
  it.each([
    ['2023-11-22', true, 'a Wednesday'],
    ['2023-11-25', false, 'a Saturday'],
    ['2024-04-30', false, '30/4'],
    ['2024-05-01', false, '1/5'],
    ['2024-05-04', true, 'Saturday 4/5/2024 worked to make up'],
    ['2024-02-12', false, 'Tết 2024'],
    ['2025-04-26', true, 'Saturday 26/4/2025 worked to make up'],
    ['2026-01-10', true, 'Saturday 10/1/2026 worked to make up'],
    ['2026-02-20', false, 'Tết 2026'],
    ['2023-09-04', false, 'National Day 2023 swap'],
  ])('%s is a working day: %s (%s)', (date, expected) => {
    expect(cal.isWorkingDay(date)).toBe(expected);
  });

  it.each([
    // from, n, expected: the first day is not counted
    ['2023-11-22', 1, '2023-11-23'],
    ['2023-11-24', 1, '2023-11-27'], // Friday → Monday
    ['2024-04-26', 1, '2024-05-02'], // over 27/4–1/5 off
    ['2024-02-07', 1, '2024-02-15'], // over Tết 2024
    ['2024-05-03', 1, '2024-05-04'], // the make-up Saturday counts
    ['2023-11-22', 15, '2023-12-13'],
    ['2023-11-27', -3, '2023-11-22'],
  ])('%s + %i working days = %s', (from, n, expected) => {
    expect(cal.addWorkingDays(from, n)).toBe(expected);
  });

  it('an administrator file replaces a year: 24/11 declared a holiday', () => {
    const custom = cal.withOverride({
      '2026': { daysOff: [...cal.data['2026']!.daysOff, '2026-11-24'], workingSaturdays: [] },
    });
    expect(cal.isWorkingDay('2026-11-24')).toBe(true);
    expect(custom.isWorkingDay('2026-11-24')).toBe(false);
    expect(custom.isWorkingDay('2026-01-10')).toBe(false); // its own list replaced the make-up Saturday
  });

  it('time zone is UTC+7 without daylight saving', () => {
    expect(localDateOf(at('2023-11-22T16:59:59Z'))).toBe('2023-11-22');
    expect(localDateOf(at('2023-11-22T17:00:00Z'))).toBe('2023-11-23');
    expect(instantAt('2023-11-22', 8)).toBe(at('2023-11-22T01:00:00Z'));
    expect(weekday('2023-11-22')).toBe(3);
  });
});

describe('deadlines (Civil Code 2015, Arts. 147–148)', () => {
  const dispatched = at('2023-11-22T03:00:00Z'); // 10:00 in Hà Nội
  it.each([
    ['a date on 30/4 moves to the next working day', { date: '2024-04-30' }, '2024-05-02'],
    ['a date in Tết 2024 moves past it', { date: '2024-02-10' }, '2024-02-15'],
    ['a working date stays', { date: '2023-12-15' }, '2023-12-15'],
  ])('%s', (_name, spec, day) => {
    expect(resolveDeadline(spec, dispatched, cal)).toBe(endOfDay(day));
  });

  it.each([
    ['10 ngày làm việc', '2023-12-06'],
    ['3 working days', '2023-11-27'],
    ['10 ngày', '2023-12-04'], // 2/12 is a Saturday → Monday 4/12
  ])('"%s" after 22/11/2023 ends at 24:00 of %s', (text, day) => {
    expect(resolveDeadline({ within: parseDuration(text) }, dispatched, cal)).toBe(endOfDay(day));
  });

  it('ISO 8601 periods run from the moment of dispatch', () => {
    expect(resolveDeadline({ within: parseDuration('PT30S') }, dispatched, cal)).toBe(dispatched + 30_000);
    expect(parseDuration('P1DT2H')).toEqual({ kind: 'exact', ms: 26 * 3600_000 });
    expect(() => parseDuration('ba ngày')).toThrow(/không hiểu/);
  });

  it('reminders fire at 08:00 of working days before; escalations on working days after', () => {
    const deadline = endOfDay('2024-05-02'); // Thursday after the 27/4–1/5 break
    expect(reminderAt(deadline, parseDuration('1 ngày làm việc'), cal)).toBe(instantAt('2024-04-26', 8));
    expect(reminderAt(deadline, parseDuration('0 ngày'), cal)).toBe(instantAt('2024-05-02', 8));
    expect(escalationAt(deadline, parseDuration('1 ngày làm việc'), cal)).toBe(instantAt('2024-05-03', 8));
    expect(escalationAt(deadline, parseDuration('2 ngày làm việc'), cal)).toBe(instantAt('2024-05-04', 8)); // make-up Saturday
  });

  it('recurring reports: each cycle one period later, each moved off days off', () => {
    const obligation = {
      due: { date: '2024-06-15' },
      recurrence: { every: { kind: 'months' as const, months: 6 }, count: 4 },
    };
    const days = [0, 1, 2, 3].map((c) => localDateOf(reportDeadline(obligation, c, dispatched, cal) - 1));
    expect(days).toEqual(['2024-06-17', '2024-12-16', '2025-06-16', '2025-12-15']);
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
  });

  it('follow-up: reminders already past when the deadline was set are not sent', () => {
    const policy = {
      reminders: [parseDuration('PT10M'), parseDuration('PT2M')],
      escalation: [{ after: parseDuration('PT5M'), notify: 'head' as const }],
    };
    const items = followUpSchedule('ack', 1_000_000, 1_000_000 - 300_000, policy, cal);
    expect(items.map((i) => i.kind)).toEqual(['reminder', 'overdue', 'escalation']);
    expect(items[0]!.at).toBe(1_000_000 - 120_000);
  });
});
