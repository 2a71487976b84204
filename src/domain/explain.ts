import { addDays, dayNumber, fromDayNumber, localDateOf, type LocalDate, type WorkingCalendar } from './calendar';
import { formatDuration, type Duration } from './duration';
import {
  deadlineDate,
  escalationAt,
  inOfficeHours,
  OFFICE_HOURS_START,
  reminderAt,
  resolveDeadline,
  type DeadlineSpec,
} from './schedule';
import { vnDateTime } from './vn-format';
import type { CalendarChange, Extension, Pause, UnitSnapshot } from './unit-model';
import type { Policy } from './policy';

/**
 * "Why this date?": each deadline, reminder and escalation date in words an Office reads, from the same
 * functions that compute it (schedule.ts), so the words cannot drift from the dates.
 */

const pad = (n: number) => String(n).padStart(2, '0');
/** "13/12/2023" */
export function dmy(date: LocalDate): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}
/** "30/4": a day off as people name it. */
const dm = (date: LocalDate) => `${Number(date.slice(8, 10))}/${Number(date.slice(5, 7))}`;
const clock = `${pad(OFFICE_HOURS_START.hour)}:${pad(OFFICE_HOURS_START.minute)}`;
const ORDINAL = [
  '',
  'thứ nhất',
  'thứ hai',
  'thứ ba',
  'thứ tư',
  'thứ năm',
  'thứ sáu',
  'thứ bảy',
  'thứ tám',
  'thứ chín',
  'thứ mười',
];
/** "thứ hai" in words (a numeral would read as a weekday: "thứ 2" is Monday). */
const nth = (n: number) => ORDINAL[n] ?? `thứ ${n}`;

/** " (lịch nghỉ năm 2027 mới là dự kiến, chưa công bố)" when a date depends on a projected year. */
function projectedNote(cal: WorkingCalendar, ...dates: LocalDate[]): string {
  const years = [...new Set(dates.filter((d) => cal.isProjected(d)).map((d) => d.slice(0, 4)))];
  return years.length ? ` (lịch nghỉ năm ${years.join(', ')} mới là dự kiến, chưa công bố chính thức)` : '';
}

/** ", rơi vào 30/4 (nghỉ 30/4 và 1/5) nên dời sang 05/5/2025" when `nominal` is not a working day. */
function moved(nominal: LocalDate, to: LocalDate, cal: WorkingCalendar): string {
  if (nominal === to) return '';
  return `, rơi vào ${dm(nominal)} (${cal.whyOff(nominal)}) nên dời sang ${dmy(to)}`;
}

/** Days off other than weekends between two dates (exclusive, inclusive), grouped: "30/4–1/5 (nghỉ …)". */
function holidaysSkipped(from: LocalDate, to: LocalDate, cal: WorkingCalendar): string[] {
  const runs: { first: LocalDate; last: LocalDate; why: string }[] = [];
  for (let n = dayNumber(from) + 1; n <= dayNumber(to); n++) {
    const d = fromDayNumber(n);
    const why = cal.whyOff(d);
    if (!why || why === 'thứ Bảy' || why === 'Chủ nhật') continue;
    const last = runs.at(-1);
    if (last && last.why === why && dayNumber(last.last) >= n - 3) last.last = d;
    else runs.push({ first: d, last: d, why });
  }
  return runs.map((r) => `${r.first === r.last ? dm(r.first) : `${dm(r.first)}–${dm(r.last)}`} (${r.why})`);
}

function makeUpSaturdays(from: LocalDate, to: LocalDate, cal: WorkingCalendar): string[] {
  const out: string[] = [];
  for (let n = dayNumber(from) + 1; n <= dayNumber(to); n++)
    if (cal.isMakeUpSaturday(fromDayNumber(n))) out.push(dm(fromDayNumber(n)));
  return out;
}

/**
 * A deadline with its reason: "15 ngày làm việc kể từ 22/11/2023 (không tính ngày gửi) → hết 13/12/2023".
 * `from` is the dispatch instant the period runs from.
 */
export function explainDeadline(spec: DeadlineSpec, from: number, cal: WorkingCalendar): string {
  const at = resolveDeadline(spec, from, cal);
  const end = deadlineDate(at);
  if ('instant' in spec) return `thời điểm Văn phòng ấn định: ${vnDateTime(at)}`;
  if ('date' in spec)
    return `ngày Văn phòng ấn định ${dmy(spec.date)}${moved(spec.date, end, cal)} → hết ${dmy(end)}${projectedNote(cal, end)}`;
  const d = spec.within;
  const start = localDateOf(from);
  if (d.kind === 'exact') return `${formatDuration(d)} kể từ lúc gửi (${vnDateTime(from)}) → ${vnDateTime(at)}`;
  if (d.kind === 'working') {
    const skipped = holidaysSkipped(start, end, cal);
    const makeUp = makeUpSaturdays(start, end, cal);
    return (
      `${d.days} ngày làm việc kể từ ${dmy(start)} (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật` +
      `${skipped.length ? `, ${skipped.join(', ')}` : ''}${makeUp.length ? `; tính thứ Bảy làm bù ${makeUp.join(', ')}` : ''})` +
      ` → hết ${dmy(end)}${projectedNote(cal, start, end)}`
    );
  }
  const nominal = addDays(start, d.days);
  return (
    `${d.days} ngày kể từ ${dmy(start)} (không tính ngày gửi) là ${dmy(nominal)}${moved(nominal, end, cal)}` +
    ` → hết ${dmy(end)}${projectedNote(cal, nominal, end)}`
  );
}

/** A reminder's moment with its rule: "08:00 ngày làm việc thứ 2 trước hạn → 08:00 Thứ Hai, 11/12/2023". */
export function explainReminder(deadline: number, before: Duration, cal: WorkingCalendar, officeHours = false): string {
  const at = reminderAt(deadline, before, cal);
  const day = deadlineDate(deadline);
  if (before.kind === 'exact')
    return `${formatDuration(before)} trước hạn → ${vnDateTime(at)}${heldNote(at, cal, officeHours)}`;
  const rule =
    before.days === 0
      ? `${clock} ngày hết hạn ${dmy(day)}${before.kind === 'calendar' ? ' (ngày nghỉ thì lùi về ngày làm việc trước đó)' : ''}`
      : before.kind === 'working'
        ? `${clock} ngày làm việc ${nth(before.days)} trước ngày hết hạn ${dmy(day)}`
        : `${clock} ${before.days} ngày trước ngày hết hạn ${dmy(day)} (ngày nghỉ thì lùi về ngày làm việc trước đó)`;
  return `${rule} → ${vnDateTime(at)}${heldNote(at, cal, officeHours)}${projectedNote(cal, localDateOf(at))}`;
}

/** "(ngoài giờ hành chính nên dời sang 08:00 Thứ Hai, …)" when office hours move a follow-up. */
function heldNote(at: number, cal: WorkingCalendar, officeHours: boolean): string {
  const held = officeHours ? inOfficeHours(at, cal) : at;
  return held === at ? '' : ` (ngoài giờ hành chính nên dời sang ${vnDateTime(held)})`;
}

/**
 * An escalation's moment with the convention in words: "quá hạn 2 ngày làm việc" fires at 08:00 of the
 * second working day after the deadline.
 */
export function explainEscalation(
  deadline: number,
  after: Duration,
  cal: WorkingCalendar,
  officeHours = false,
): string {
  const at = Math.max(escalationAt(deadline, after, cal), deadline);
  const day = deadlineDate(deadline);
  if (after.kind === 'exact')
    return `quá hạn ${formatDuration(after)} → ${vnDateTime(at)}${heldNote(at, cal, officeHours)}`;
  const n = Math.max(after.days, 1);
  const rule =
    after.kind === 'working'
      ? `quá hạn ${after.days} ngày làm việc: ${clock} ngày làm việc ${nth(n)} sau ngày hết hạn ${dmy(day)}`
      : `quá hạn ${after.days} ngày: ${clock} ngày ${nth(n)} sau ngày hết hạn ${dmy(day)} (ngày nghỉ thì dời sang ngày làm việc kế tiếp)`;
  return `${rule} → ${vnDateTime(at)}${heldNote(at, cal, officeHours)}${projectedNote(cal, localDateOf(at))}`;
}

/** An extended deadline: "Chánh Văn phòng gia hạn ngày 05/12/2023 (lý do: …), từ … → hết …". */
export function explainExtension(e: Pick<Extension, 'at' | 'by' | 'reason' | 'from' | 'until'>): string {
  const why = e.reason ? ` (lý do: ${e.reason})` : '';
  return `${e.by} gia hạn ngày ${dmy(localDateOf(e.at))}${why}, từ ${vnDateTime(e.from)} → ${vnDateTime(e.until)}`;
}

/** A deadline the lifecycle holds, explained from its rule when the rule gives that very instant. */
export function explainHeld(spec: DeadlineSpec, from: number | undefined, held: number, cal: WorkingCalendar): string {
  if (from !== undefined && resolveDeadline(spec, from, cal) === held) return explainDeadline(spec, from, cal);
  // Exact periods run from the moment the lifecycle set them, a little before the dispatch was recorded.
  if ('within' in spec && spec.within.kind === 'exact')
    return `${formatDuration(spec.within)} kể từ lúc bắt đầu gửi → ${vnDateTime(held)}`;
  return `→ ${vnDateTime(held)}`;
}

/**
 * Why a unit's current deadlines are what they are: the policy's rule from the dispatch, an extension
 * (who, when, why), or a returned report's new date.
 */
export function explainUnitDeadlines(
  s: Pick<
    UnitSnapshot,
    'ackDeadline' | 'reportDeadline' | 'dispatchedAt' | 'extensions' | 'reports' | 'reportIndex' | 'reportCycle'
  > & {
    deadlineSetAt?: number | undefined;
    calendarChanges?: CalendarChange[] | undefined;
    pauses?: Pause[] | undefined;
    pausedSince?: number | undefined;
    pausedFor?: number | undefined;
  },
  policy: Pick<Policy, 'acknowledge' | 'reports'>,
  cal: WorkingCalendar,
): { acknowledge?: string; report?: string } {
  const out: { acknowledge?: string; report?: string } = {};
  const pausedNote =
    s.pausedSince !== undefined
      ? `; đang tạm dừng từ ${dmy(localDateOf(s.pausedSince))} chờ Văn phòng trả lời vướng mắc số ${s.pausedFor}: thời gian chờ không tính vào thời hạn`
      : '';
  const paused = (target: 'acknowledge' | 'report', held: number) => {
    const p = [...(s.pauses ?? [])].reverse().find((x) => x.target === target && x.deadlineTo === held);
    if (!p || p.deadlineTo === p.deadlineFrom) return undefined;
    const waited = p.workingDays ? `${p.workingDays} ngày làm việc` : 'thời gian';
    return `${waited} chờ Văn phòng trả lời vướng mắc số ${p.difficulty} (${dmy(localDateOf(p.from))}–${dmy(localDateOf(p.to))}) không tính: từ ${vnDateTime(p.deadlineFrom)} → ${vnDateTime(p.deadlineTo)}`;
  };
  // A new calendar that set this very date says so after the rule it applied.
  const recounted = (target: 'acknowledge' | 'report', held: number) => {
    const c = [...(s.calendarChanges ?? [])]
      .reverse()
      .find((x) => x.moved.some((m) => m.target === target && m.until === held));
    return c ? ` (tính lại ngày ${dmy(localDateOf(c.at))} theo lịch nghỉ mới: ${c.source})` : '';
  };
  const extended = (target: Extension['target'], held: number) =>
    [...s.extensions].reverse().find((e) => e.target === target && e.until === held);
  if (s.ackDeadline !== undefined) {
    const e = extended('acknowledge', s.ackDeadline);
    out.acknowledge =
      (e
        ? explainExtension(e)
        : (paused('acknowledge', s.ackDeadline) ??
          explainHeld(policy.acknowledge.due, s.dispatchedAt, s.ackDeadline, cal) +
            recounted('acknowledge', s.ackDeadline))) + pausedNote;
  }
  const obligation = policy.reports[s.reportIndex];
  if (s.reportDeadline !== undefined && obligation) {
    const e = extended('report', s.reportDeadline);
    const returned = [...s.reports]
      .reverse()
      .find((r) => r.obligation === obligation.id && r.cycle === s.reportCycle && r.verdict === 'returned');
    const p = paused('report', s.reportDeadline);
    if (e) out.report = explainExtension(e);
    else if (p) out.report = p;
    else if (returned)
      out.report =
        `báo cáo bị trả lại${s.deadlineSetAt ? ` ngày ${dmy(localDateOf(s.deadlineSetAt))}` : ''}` +
        `${returned.verdictReason ? ` (lý do: ${returned.verdictReason})` : ''}; hạn nộp lại → ${vnDateTime(s.reportDeadline)}`;
    else if (s.reportCycle === 0)
      out.report =
        explainHeld(obligation.due, s.dispatchedAt, s.reportDeadline, cal) + recounted('report', s.reportDeadline);
    else
      out.report = `kỳ ${s.reportCycle + 1} của báo cáo định kỳ: mỗi kỳ cách kỳ trước một chu kỳ, ngày nghỉ thì dời sang ngày làm việc kế tiếp → ${vnDateTime(s.reportDeadline)}`;
    out.report += pausedNote;
  }
  return out;
}
