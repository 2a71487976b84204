import { localDateOf, VN_OFFSET_MS } from './calendar';

const pad = (n: number) => String(n).padStart(2, '0');

/** "ngày 22 tháng 11 năm 2023": leading zero for days below 10 and months 1–2 (Decree 30/2020). */
export function vnLongDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `ngày ${pad(d)} tháng ${m <= 2 ? pad(m) : m} năm ${y}`;
}

const WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

/** "Thứ Sáu, 15/12/2023" */
export function vnDate(instant: number): string {
  const d = localDateOf(instant);
  const [y, m, day] = d.split('-');
  const wd = new Date(instant + VN_OFFSET_MS).getUTCDay();
  return `${WEEKDAYS[wd]}, ${day}/${m}/${y}`;
}

/** "17:00 Thứ Sáu, 15/12/2023"; a deadline at 24:00 reads as the end of its day. */
export function vnDateTime(instant: number): string {
  const t = new Date(instant + VN_OFFSET_MS);
  if (t.getUTCHours() === 0 && t.getUTCMinutes() === 0 && t.getUTCSeconds() === 0) return `hết ${vnDate(instant - 1)}`;
  return `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}${t.getUTCSeconds() ? `:${pad(t.getUTCSeconds())}` : ''} ${vnDate(instant)}`;
}

/** "3 ngày 2 giờ" / "45 giây": how late, in words. */
export function vnLateness(ms: number, workingDays: number): string {
  if (workingDays > 0) return `${workingDays} ngày làm việc`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} giây`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} phút`;
  return `${Math.floor(min / 60)} giờ ${min % 60} phút`;
}
