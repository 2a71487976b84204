/**
 * Public-sector days off and compensatory working Saturdays in Viet Nam, as announced each year
 * (Labour Code 2019 Art. 112; Government Office / MoHA notices). Data, not rules: an administrator
 * overrides or extends it with a calendar file (see `calendar-file.ts`), because days off and swaps are
 * announced year by year, sometimes a week ahead.
 */
export interface CalendarYearData {
  /** Dates (YYYY-MM-DD) or inclusive ranges (YYYY-MM-DD..YYYY-MM-DD) that are days off. */
  daysOff: string[];
  /** Saturdays worked to make up a swapped day (làm bù). */
  workingSaturdays: string[];
  /** True while the year's days off are projected rather than announced. */
  projected?: boolean;
  /** What each entry of `daysOff` is (by the entry as written): "Tết Nguyên đán". Shown when a date moves. */
  labels?: Record<string, string>;
}

export type CalendarData = Record<string, CalendarYearData>;

export const VN_PUBLIC_SECTOR_CALENDAR: CalendarData = {
  '2023': {
    daysOff: ['2022-12-31..2023-01-02', '2023-01-20..2023-01-26', '2023-04-29..2023-05-03', '2023-09-01..2023-09-04'],
    labels: {
      '2022-12-31..2023-01-02': 'Tết Dương lịch',
      '2023-01-20..2023-01-26': 'Tết Nguyên đán',
      '2023-04-29..2023-05-03': 'Giỗ Tổ Hùng Vương, 30/4 và 1/5',
      '2023-09-01..2023-09-04': 'Quốc khánh 2/9',
    },
    workingSaturdays: [],
  },
  '2024': {
    daysOff: [
      '2023-12-30..2024-01-01',
      '2024-02-08..2024-02-14',
      '2024-04-18',
      '2024-04-27..2024-05-01',
      '2024-08-31..2024-09-03',
    ],
    labels: {
      '2023-12-30..2024-01-01': 'Tết Dương lịch',
      '2024-02-08..2024-02-14': 'Tết Nguyên đán',
      '2024-04-18': 'Giỗ Tổ Hùng Vương',
      '2024-04-27..2024-05-01': '30/4 và 1/5',
      '2024-08-31..2024-09-03': 'Quốc khánh 2/9',
    },
    workingSaturdays: ['2024-05-04'],
  },
  '2025': {
    daysOff: [
      '2025-01-01',
      '2025-01-25..2025-02-02',
      '2025-04-05..2025-04-07',
      '2025-04-30..2025-05-04',
      '2025-08-30..2025-09-02',
    ],
    labels: {
      '2025-01-01': 'Tết Dương lịch',
      '2025-01-25..2025-02-02': 'Tết Nguyên đán',
      '2025-04-05..2025-04-07': 'Giỗ Tổ Hùng Vương',
      '2025-04-30..2025-05-04': '30/4 và 1/5',
      '2025-08-30..2025-09-02': 'Quốc khánh 2/9',
    },
    workingSaturdays: ['2025-04-26'],
  },
  '2026': {
    daysOff: [
      '2026-01-01..2026-01-04',
      '2026-02-14..2026-02-22',
      '2026-04-25..2026-04-27',
      '2026-04-30..2026-05-03',
      '2026-08-29..2026-09-02',
    ],
    labels: {
      '2026-01-01..2026-01-04': 'Tết Dương lịch',
      '2026-02-14..2026-02-22': 'Tết Nguyên đán',
      '2026-04-25..2026-04-27': 'Giỗ Tổ Hùng Vương',
      '2026-04-30..2026-05-03': '30/4 và 1/5',
      '2026-08-29..2026-09-02': 'Quốc khánh 2/9',
    },
    workingSaturdays: ['2026-01-10', '2026-08-22'],
  },
  // Projected: Tết 2027 (around Sat 6/2) and the swaps are not announced yet; update when they are.
  '2027': {
    daysOff: [
      '2027-01-01',
      '2027-02-05..2027-02-10',
      '2027-04-16',
      '2027-04-30',
      '2027-05-03',
      '2027-09-02..2027-09-03',
    ],
    labels: {
      '2027-01-01': 'Tết Dương lịch',
      '2027-02-05..2027-02-10': 'Tết Nguyên đán',
      '2027-04-16': 'Giỗ Tổ Hùng Vương',
      '2027-04-30': 'Ngày Giải phóng miền Nam 30/4',
      '2027-05-03': 'Quốc tế Lao động 1/5 (nghỉ bù)',
      '2027-09-02..2027-09-03': 'Quốc khánh 2/9',
    },
    workingSaturdays: [],
    projected: true,
  },
};
