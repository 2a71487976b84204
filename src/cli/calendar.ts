import { addDays, dayNumber, instantAt, isLocalDate, type WorkingCalendar } from '../domain/calendar';
import { vnDate } from '../domain/vn-format';
import type { CalendarChangeOutcome } from '../office/calendar-change';
import { CliError } from './errors';

const day = (d: string) => vnDate(instantAt(d, 12));

/** `chidao calendar <year>`: the year's days off, make-up Saturdays, working days per month, and their source. */
export function renderCalendarYear(cal: WorkingCalendar, year: string): string {
  if (!/^\d{4}$/.test(year)) throw new CliError(`năm "${year}" không hợp lệ: viết 4 chữ số, ví dụ 2024`);
  const data = cal.data[year];
  const out: string[] = [];
  out.push(`Lịch làm việc của cơ quan hành chính năm ${year}`);
  if (!data) {
    out.push(
      `CHƯA CÓ lịch nghỉ lễ, Tết năm ${year}: chỉ thứ Bảy, Chủ nhật được tính là ngày nghỉ. ` +
        'Quản trị viên nạp lịch bằng tệp CHIDAO_CALENDAR_FILE (hoặc --calendar).',
    );
  } else {
    out.push(`Nguồn: ${cal.sourceOf(year)}${data.projected ? ' — DỰ KIẾN, chưa công bố chính thức' : ''}`);
    out.push('', 'Ngày nghỉ lễ, Tết (ngoài thứ Bảy, Chủ nhật):');
    for (const entry of data.daysOff) {
      const [from, to = from] = entry.split('..') as [string, string?];
      const n = dayNumber(to) - dayNumber(from) + 1;
      const span = from === to ? day(from) : `${day(from)} – ${day(to)}`;
      out.push(`  ${span}  ${data.labels?.[entry] ?? 'nghỉ lễ, Tết'} (${n} ngày)`);
    }
    out.push('', 'Thứ Bảy làm bù:');
    out.push(...(data.workingSaturdays.length ? data.workingSaturdays.map((d) => `  ${day(d)}`) : ['  không có']));
  }
  const months: string[] = [];
  let total = 0;
  for (let m = 1; m <= 12; m++) {
    const first = `${year}-${String(m).padStart(2, '0')}-01`;
    let n = 0;
    for (let d = first; d.slice(5, 7) === first.slice(5, 7); d = addDays(d, 1)) if (cal.isWorkingDay(d)) n++;
    months.push(`T${m}: ${n}`);
    total += n;
  }
  out.push('', `Số ngày làm việc: ${total} (${months.join(', ')})`);
  return out.join('\n');
}

/** `--at 2024-04-25` (08:00 that day, when office hours start) or an ISO instant with its offset. */
export function parseAt(text: string): number {
  const t = text.trim();
  if (isLocalDate(t)) return instantAt(t, 8);
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(t) && /(Z|[+-]\d{2}:\d{2})$/.test(t) ? Date.parse(t) : NaN;
  if (Number.isNaN(ms))
    throw new CliError(
      `--at "${text}" không hợp lệ: dùng ngày (2024-04-25) hoặc thời điểm (2024-04-25T09:30:00+07:00)`,
    );
  return ms;
}

/** What `chidao calendar apply` did, unit by unit where something moved. */
export function renderCalendarApplied(r: CalendarChangeOutcome, years: string[]): string {
  const code = (id: string) => id.slice(id.lastIndexOf('/') + 1);
  const out = [
    `Đã đưa lịch năm ${years.join(', ')} tới ${r.units} đơn vị đang được theo dõi.`,
    `Thời hạn thay đổi: ${r.moved.length} đơn vị${r.moved.length ? ` (${r.moved.map(code).join(', ')}), đã báo từng đơn vị qua thư` : ''}.`,
    `Ngày nhắc hoặc đôn đốc thay đổi (thời hạn giữ nguyên): ${r.affected.length - r.moved.length} đơn vị.`,
    `Mỗi thay đổi được ghi vào sổ kiểm toán; đơn vị không bị ảnh hưởng dùng lịch mới từ nay.`,
  ];
  for (const x of r.refused) out.push(`Không áp dụng cho ${x.workflowId}: ${x.reason}`);
  return out.join('\n');
}
