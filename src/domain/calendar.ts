import { VN_PUBLIC_SECTOR_CALENDAR, type CalendarData } from './holidays-vn';

/**
 * Working-day arithmetic in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). Pure and deterministic so
 * workflow code can use it: no Intl, no system time zone, no clock.
 */
export const VN_OFFSET_MS = 7 * 3600_000;
const DAY_MS = 86_400_000;

/** A calendar date as YYYY-MM-DD. */
export type LocalDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLocalDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.toISOString().slice(0, 10) === s;
}

/** Days since 1970-01-01 for a local date. */
export function dayNumber(date: LocalDate): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date (YYYY-MM-DD): "${date}"`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) / DAY_MS;
}

export function fromDayNumber(n: number): LocalDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, n: number): LocalDate {
  return fromDayNumber(dayNumber(date) + n);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: LocalDate): number {
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

/** The local date in Viet Nam at an instant (epoch ms). */
export function localDateOf(instant: number): LocalDate {
  return fromDayNumber(Math.floor((instant + VN_OFFSET_MS) / DAY_MS));
}

/** The instant of a local wall-clock time in Viet Nam. */
export function instantAt(date: LocalDate, hour = 0, minute = 0): number {
  return dayNumber(date) * DAY_MS + (hour * 60 + minute) * 60_000 - VN_OFFSET_MS;
}

/** 24:00 of a local date: a period in days ends then (Civil Code 2015, Art. 148). */
export function endOfDay(date: LocalDate): number {
  return instantAt(addDays(date, 1));
}

function expandDates(items: string[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const [from, to = from] = item.split('..') as [string, string?];
    for (let n = dayNumber(from); n <= dayNumber(to); n++) out.push(fromDayNumber(n));
  }
  return out;
}

/** Where the built-in years come from, for `chidao calendar`. */
export const BUILT_IN_SOURCE = 'lịch dựng sẵn của chidao (theo thông báo nghỉ lễ, Tết hằng năm)';

export class WorkingCalendar {
  private readonly daysOff: Set<LocalDate>;
  private readonly workingSaturdays: Set<LocalDate>;
  private readonly labels: Map<LocalDate, string>;
  readonly projectedYears: string[];

  /** `sources` names where a year came from (an override file); the rest are built in. */
  constructor(
    readonly data: CalendarData = VN_PUBLIC_SECTOR_CALENDAR,
    readonly sources: Readonly<Record<string, string>> = {},
  ) {
    const years = Object.values(data);
    this.daysOff = new Set(expandDates(years.flatMap((y) => y.daysOff)));
    this.workingSaturdays = new Set(expandDates(years.flatMap((y) => y.workingSaturdays)));
    this.labels = new Map(
      years.flatMap((y) =>
        Object.entries(y.labels ?? {}).flatMap(([entry, label]) =>
          expandDates([entry]).map((d) => [d, label] as const),
        ),
      ),
    );
    this.projectedYears = Object.entries(data)
      .filter(([, y]) => y.projected)
      .map(([year]) => year);
  }

  /** Years given by `override` replace the same years of this calendar; others are kept. */
  withOverride(override: CalendarData, source = 'tệp lịch của quản trị viên'): WorkingCalendar {
    const sources = { ...this.sources, ...Object.fromEntries(Object.keys(override).map((y) => [y, source])) };
    return new WorkingCalendar({ ...this.data, ...override }, sources);
  }

  sourceOf(year: string): string {
    return this.sources[year] ?? BUILT_IN_SOURCE;
  }

  /** True when the date's year has only projected days off (not yet announced). */
  isProjected(date: LocalDate): boolean {
    return this.projectedYears.includes(date.slice(0, 4));
  }

  /** Why a date is not a working day, in words ("thứ Bảy", "nghỉ Tết Nguyên đán"); undefined on a working day. */
  whyOff(date: LocalDate): string | undefined {
    if (this.isWorkingDay(date)) return undefined;
    if (this.daysOff.has(date)) return `nghỉ ${this.labels.get(date) ?? 'lễ, Tết'}`;
    return weekday(date) === 6 ? 'thứ Bảy' : 'Chủ nhật';
  }

  /** Whether a Saturday is worked to make up a swapped day (làm bù). */
  isMakeUpSaturday(date: LocalDate): boolean {
    return this.workingSaturdays.has(date);
  }

  isWorkingDay(date: LocalDate): boolean {
    if (this.workingSaturdays.has(date)) return true;
    const wd = weekday(date);
    if (wd === 0 || wd === 6) return false;
    return !this.daysOff.has(date);
  }

  /** The date itself if it is a working day, else the next working day. */
  onOrAfter(date: LocalDate): LocalDate {
    let d = date;
    while (!this.isWorkingDay(d)) d = addDays(d, 1);
    return d;
  }

  /** The date itself if it is a working day, else the previous working day. */
  onOrBefore(date: LocalDate): LocalDate {
    let d = date;
    while (!this.isWorkingDay(d)) d = addDays(d, -1);
    return d;
  }

  /**
   * The n-th working day after `date` (n > 0), or before it (n < 0); `date` itself is not counted,
   * as the Civil Code does not count a period's first day. n = 0 gives `date` moved onto a working day.
   */
  addWorkingDays(date: LocalDate, n: number): LocalDate {
    if (n === 0) return this.onOrAfter(date);
    const step = n > 0 ? 1 : -1;
    let d = date;
    for (let left = Math.abs(n); left > 0;) {
      d = addDays(d, step);
      if (this.isWorkingDay(d)) left--;
    }
    return d;
  }

  /** Working days in (from, to]: how many working days `to` lies after `from`. */
  workingDaysBetween(from: LocalDate, to: LocalDate): number {
    let count = 0;
    for (let n = dayNumber(from) + 1; n <= dayNumber(to); n++) if (this.isWorkingDay(fromDayNumber(n))) count++;
    return count;
  }
}
