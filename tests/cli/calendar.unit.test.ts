import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chidao } from '../helpers/cli';

/**
 * `chidao start --dry-run --at` on the hard cases of the calendar, and `chidao calendar <year>`. Every
 * expected date was counted by hand on the published calendars; the seed asks for acknowledgement in
 * 1 working day and the report in 15.
 */
const SEED = ['examples/4432-TCTHADS-VP.yaml', '--registry', 'examples/units-thads-2023.yaml', '--dry-run'];
const row = (label: string, date: string) => new RegExp(`${label}\\s+hết [^,\\n]+, ${date.replace(/\//g, '\\/')}`);

describe('chidao start --dry-run --at', () => {
  it.each([
    ['2024-02-06', 'Tết 2024 (8–14/2 off)', '07/02/2024', '05/03/2024', '8/2–14/2 (nghỉ Tết Nguyên đán)'],
    ['2024-04-25', '27/4–1/5/2024 and the make-up Saturday 4/5', '26/04/2024', '20/05/2024', 'tính thứ Bảy làm bù 4/5'],
    ['2025-04-24', 'make-up Saturday 26/4/2025, then 30/4–4/5', '25/04/2025', '19/05/2025', 'tính thứ Bảy làm bù 26/4'],
    ['2026-01-08', 'make-up Saturday 10/1/2026', '09/01/2026', '28/01/2026', 'tính thứ Bảy làm bù 10/1'],
    ['2025-08-28', '2/9/2025 (30/8–2/9 off)', '29/08/2025', '22/09/2025', '30/8–2/9 (nghỉ Quốc khánh 2/9)'],
  ])('dispatched on %s — %s', async (at, _case, ack, report, reason) => {
    const r = await chidao('start', ...SEED, '--at', at);
    expect(r.code, r.out).toBe(0);
    const [y, m, d] = at.split('-');
    expect(r.out).toContain(`Hạn (nếu gửi lúc 08:00 `);
    expect(r.out).toContain(`, ${d}/${m}/${y})`);
    expect(r.out).toMatch(row('Xác nhận đã nhận', ack));
    expect(r.out).toMatch(row('Báo cáo kết quả triển khai', report));
    // The reasons are printed under the table, ending on the same dates.
    expect(r.out).toContain(`Xác nhận đã nhận: 1 ngày làm việc kể từ ${d}/${m}/${y} (không tính ngày gửi`);
    const why = r.out.split('\n').find((l) => l.includes('Báo cáo kết quả triển khai: 15 ngày làm việc'))!;
    expect(why).toContain(reason);
    expect(why).toMatch(new RegExp(`→ hết ${report.replace(/\//g, '\\/')}$`));
    // The escalation convention is said in words.
    expect(r.out).toMatch(/đôn đốc \(head\): quá hạn 1 ngày làm việc: 08:00 ngày làm việc thứ nhất sau ngày hết hạn/);
  });

  it('--at without --dry-run, or a date that does not parse, is refused with exit 2 and a reason', async () => {
    const start = await chidao('start', ...SEED.filter((a) => a !== '--dry-run'), '--at', '2024-04-25');
    expect(start).toMatchObject({ code: 2, out: expect.stringContaining('--at chỉ dùng cùng --dry-run') });
    const bad = await chidao('start', ...SEED, '--at', '25/04/2024');
    expect(bad).toMatchObject({ code: 2, out: expect.stringContaining('--at "25/04/2024" không hợp lệ') });
  });
});

describe('chidao calendar', () => {
  it('2024: days off with their names, the make-up Saturday, working days per month and the source', async () => {
    const r = await chidao('calendar', '2024');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Nguồn: lịch dựng sẵn của chidao');
    expect(r.out).toContain('Thứ Năm, 08/02/2024 – Thứ Tư, 14/02/2024  Tết Nguyên đán (7 ngày)');
    expect(r.out).toContain('Thứ Năm, 18/04/2024  Giỗ Tổ Hùng Vương (1 ngày)');
    expect(r.out).toMatch(/Thứ Bảy làm bù:\n {2}Thứ Bảy, 04\/05\/2024/);
    // Counted by hand: February 21 weekdays less 5 of Tết; April 22 less 18/4, 29/4, 30/4; May 23 less 1/5 plus 4/5.
    expect(r.out).toMatch(/T2: 16, .*T4: 19, T5: 23,/);
  });

  it('a projected year says so; a year with no data says only weekends count; a bad year is refused', async () => {
    expect((await chidao('calendar', '2027')).out).toContain('DỰ KIẾN, chưa công bố chính thức');
    expect((await chidao('calendar', '2031')).out).toContain('CHƯA CÓ lịch nghỉ lễ, Tết năm 2031');
    expect(await chidao('calendar', '24')).toMatchObject({ code: 2, out: expect.stringContaining('năm "24"') });
  });

  it("an administrator's calendar file replaces its years and is named as their source", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chidao-cal-'));
    const file = join(dir, 'lich-2027.yaml');
    writeFileSync(
      file,
      [
        '"2027":',
        '  daysOff: ["2027-01-01", "2027-02-04..2027-02-12"]',
        '  workingSaturdays: ["2027-02-20"]',
        '  labels:',
        '    "2027-02-04..2027-02-12": Tết Nguyên đán Đinh Mùi',
        '',
      ].join('\n'),
    );
    const r = await chidao('calendar', '2027', '--calendar', file);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`Nguồn: tệp ${file}`);
    expect(r.out).not.toContain('DỰ KIẾN');
    expect(r.out).toContain('Thứ Năm, 04/02/2027 – Thứ Sáu, 12/02/2027  Tết Nguyên đán Đinh Mùi (9 ngày)');
    expect(r.out).toContain('Thứ Bảy, 20/02/2027');

    writeFileSync(file, '"2027":\n  daysOff: ["2027-01-01"]\n  labels:\n    "2027-01-02": Nghỉ bù\n');
    const bad = await chidao('calendar', '2027', '--calendar', file);
    // An invalid file is exit 1, as for directives: it names file, line and field.
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('Tệp không hợp lệ, chưa bắt đầu gì');
    expect(bad.out).toContain(`${file}:4`);
    expect(bad.out).toContain('"2027-01-02" không có trong daysOff');
  });
});
