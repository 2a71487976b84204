import { describe, expect, it } from 'vitest';
import { renderMessage, escapeHtml, cliDeadline, shellWord, vnClock, salutation } from '../../src/domain/templates';
import { collapseRepeatedTitle } from '../../src/domain/salutation';
import { deadlineSchema, policySchema } from '../../src/domain/policy';
import { dispatchBody } from '../../src/domain/unit-dispatch';
import { resolveDeadline } from '../../src/domain/schedule';
import { endOfDay, WorkingCalendar } from '../../src/domain/calendar';
import { vnLongDate, vnDateTime } from '../../src/domain/vn-format';
import { testPlan } from '../helpers/fixtures';
import type { MessageRequest } from '../../src/domain/messages';

const plan = testPlan();
const base = {
  runKey: plan.key,
  ref: '4432/TCTHADS-VP',
  subject: plan.directive.subject,
  party: 'T1',
  seq: 0,
  to: ['t1@thads.example'],
  replyTo: ['vp@thads.example'],
  officeName: 'Văn phòng Tổng cục',
};
const links = {
  acknowledge: 'http://x/u/acknowledge?t=a.b',
  report: 'http://x/u/report?t=c.d',
  status: 'http://x/u/status?t=e.f',
};

describe('message templates', () => {
  it('dispatch: subject in the house style, deadlines as Vietnamese dates, links, escaped values, attachment', () => {
    const req: MessageRequest = {
      ...base,
      kind: 'dispatch',
      unit: { code: 'T1', name: 'Cục THADS tỉnh <Thử>' },
      role: 'implement',
      purpose: 'Như trên',
      directive: plan.directive,
      ackDeadline: endOfDay('2023-11-23'),
      reports: [{ title: 'Báo cáo kết quả', due: endOfDay('2023-12-15') }],
    };
    const m = renderMessage(req, links);
    expect(m.subject).toBe(
      '[4432/TCTHADS-VP] V/v hướng dẫn, đôn đốc triển khai thi hành Luật thực hiện dân chủ ở cơ sở',
    );
    expect(m.text).toContain('hết Thứ Năm, 23/11/2023');
    expect(m.text).toContain('hết Thứ Sáu, 15/12/2023');
    expect(m.text).toContain(links.acknowledge);
    expect(m.html).toContain('Cục THADS tỉnh &lt;Thử&gt;');
    expect(m.html).toContain('&lt;Luật&gt; &amp; &quot;Nghị định&quot;');
    expect(m.html).not.toContain('<Thử>');
    expect(m.attachment?.filename).toBe('4432-TCTHADS-VP.txt');
    expect(m.attachment?.content).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(m.attachment?.content).toContain('Hà Nội, ngày 22 tháng 11 năm 2023');
  });

  it('dispatch says how each deadline was counted, from the rules that set it', () => {
    const cal = new WorkingCalendar();
    const policy = policySchema.parse({
      acknowledge: { due: '1 ngày làm việc' },
      reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: '15 ngày làm việc' }],
    });
    const from = Date.parse('2023-11-22T09:00:00+07:00');
    const ack = resolveDeadline(policy.acknowledge.due, from, cal);
    const snapshot = { unit: { code: 'T1', name: 'Cục THADS tỉnh Thử 1', role: 'implement', purpose: 'Như trên' } };
    const body = dispatchBody(snapshot as never, { policy, cal, officeName: 'Văn phòng' }, ack, from);
    const m = renderMessage({ ...base, ...body, directive: plan.directive } as MessageRequest, links);
    expect(m.text).toContain('Cách tính thời hạn:');
    expect(m.text).toContain(
      'Xác nhận đã nhận văn bản: 1 ngày làm việc kể từ 22/11/2023 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật) → hết 23/11/2023',
    );
    expect(m.text).toContain(
      'Báo cáo kết quả: 15 ngày làm việc kể từ 22/11/2023 (không tính ngày gửi; bỏ qua thứ Bảy, Chủ nhật) → hết 13/12/2023',
    );
    // And the table above it holds the same dates.
    expect(m.text).toContain('hết Thứ Năm, 23/11/2023');
    expect(m.text).toContain('hết Thứ Tư, 13/12/2023');
  });

  it('escalation names the overdue unit and how late it is', () => {
    const m = renderMessage({
      ...base,
      kind: 'escalation',
      unit: { code: 'T1', name: 'Cục THADS tỉnh Thử 1' },
      target: 'report',
      deadline: endOfDay('2023-12-15'),
      late: '3 ngày làm việc',
      level: 2,
      addressee: 'Phó Tổng cục trưởng A',
    });
    expect(m.subject).toMatch(/^\[4432\/TCTHADS-VP\] Quá hạn \(mức 2\): Cục THADS tỉnh Thử 1 - /);
    expect(m.text).toContain('đã quá hạn 3 ngày làm việc');
    expect(m.text).toContain('Kính gửi: Phó Tổng cục trưởng A');
  });

  it('dates follow Decree 30: leading zero for days below 10 and months 1–2', () => {
    expect(vnLongDate('2023-11-22')).toBe('ngày 22 tháng 11 năm 2023');
    expect(vnLongDate('2024-02-05')).toBe('ngày 05 tháng 02 năm 2024');
    expect(vnLongDate('2024-03-05')).toBe('ngày 05 tháng 3 năm 2024');
    expect(vnDateTime(Date.parse('2023-11-22T10:00:00Z'))).toBe('17:00 Thứ Tư, 22/11/2023');
    expect(escapeHtml(`<a href="x">'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&lt;/a&gt;');
  });
});

// --- commands printed in messages, salutations, new kinds ----------------------------------------

const unit = { code: 'T1', name: 'Cục THADS tỉnh Thử 1' };
/** Every kind a message can take, each with a plausible body. */
const everyKind: MessageRequest[] = [
  {
    ...base,
    kind: 'dispatch',
    unit,
    role: 'implement',
    purpose: 'Như trên',
    directive: plan.directive,
    ackDeadline: endOfDay('2023-11-23'),
    reports: [],
  },
  { ...base, kind: 'reminder', unit, target: 'acknowledge', deadline: endOfDay('2023-11-23') },
  {
    ...base,
    kind: 'escalation',
    unit,
    target: 'report',
    deadline: endOfDay('2023-12-15'),
    late: '1 ngày làm việc',
    level: 1,
    addressee: 'Cục trưởng A',
  },
  { ...base, party: 'office', kind: 'undeliverable', unit, addresses: ['t1@thads.example'], error: '550 User unknown' },
  {
    ...base,
    party: 'office',
    kind: 'undeliverable',
    unit,
    addresses: ['a@thads.example'],
    accepted: ['c@thads.example'],
    error: '550 User unknown',
  },
  { ...base, party: 'office', kind: 'unit-failed', unit, error: 'Workflow task failed' },
  { ...base, party: 'office', kind: 'report-received', unit, reportTitle: 'Báo cáo kết quả', text: 'Đã triển khai.' },
  { ...base, kind: 'report-accepted', unit, reportTitle: 'Báo cáo kết quả' },
  {
    ...base,
    kind: 'report-returned',
    unit,
    reportTitle: 'Báo cáo kết quả',
    reason: 'Thiếu số liệu',
    due: endOfDay('2023-12-20'),
  },
  { ...base, party: 'office', kind: 'extension-requested', unit, until: endOfDay('2023-12-29'), reason: 'Chờ số liệu' },
  {
    ...base,
    kind: 'extension-granted',
    unit,
    target: 'report',
    from: endOfDay('2023-12-15'),
    until: endOfDay('2023-12-29'),
    reason: '',
  },
  { ...base, party: 'office', kind: 'difficulty-raised', unit, id: 2, text: 'Chưa rõ mẫu báo cáo.' },
  { ...base, kind: 'difficulty-answered', unit, id: 2, question: 'Chưa rõ mẫu báo cáo.', answer: 'Dùng mẫu số 1.' },
  { ...base, kind: 'recall', unit, reason: 'Ban hành nhầm' },
  { ...base, party: 'office-digest', kind: 'digest', counts: { dispatched: 2 }, total: 2, overdue: [] },
  { ...base, party: 'office', kind: 'summary', counts: { done: 2 }, total: 2, outcome: 'closed', note: '' },
  {
    ...base,
    party: 'office-mail-0',
    kind: 'mail-restored',
    downSince: Date.parse('2026-11-25T07:02:00Z'),
    upAt: Date.parse('2026-11-25T07:40:00Z'),
    lastError: 'ECONNREFUSED',
    runs: [{ runKey: plan.key, ref: '4432/TCTHADS-VP', subject: plan.directive.subject }],
  },
];
const commandsIn = (text: string) => text.split('\n').filter((l) => /^chidao /.test(l));

describe('commands printed in messages', () => {
  it.each(everyKind.map((r) => [r.kind + ('accepted' in r && r.accepted ? ' (partial)' : ''), r] as const))(
    '%s: any command names the run by its key, as the CLI takes it',
    (_k, req) => {
      const { text, html } = renderMessage(req, links);
      for (const line of commandsIn(text)) {
        const [, , key] = line.split(' ');
        expect(key).toBe(plan.key);
        // The CLI's own test for a run key (src/cli/main.ts): never the reference with its slash.
        expect(key).toMatch(/^\d{4}-\d+-[A-ZĐ0-9-]+$/);
        expect(html).toContain(escapeHtml(line));
      }
      expect(text).not.toMatch(/chidao \w+ \d+\//);
    },
  );

  it('the undeliverable, extension and difficulty notices each print their command on a line of its own', () => {
    const cmds = (kind: string, partial = false) =>
      commandsIn(
        renderMessage(everyKind.find((r) => r.kind === kind && !!('accepted' in r && r.accepted) === partial)!).text,
      );
    expect(cmds('undeliverable')).toEqual([`chidao address ${plan.key} T1 <email> [<email>…]`]);
    expect(cmds('undeliverable', true)).toEqual([`chidao address ${plan.key} T1 c@thads.example <email> [<email>…]`]);
    // The extension the unit asked for, ready to grant as is: 24:00 of 29/12 is the date 2023-12-29.
    expect(cmds('extension-requested')).toEqual([`chidao extend ${plan.key} T1 --until 2023-12-29`]);
    expect(cmds('difficulty-raised')).toEqual([`chidao answer ${plan.key} T1 2 --text "<nội dung>"`]);
  });

  it.each([
    ['the end of a day', endOfDay('2023-12-29'), '2023-12-29'],
    ['an instant', Date.parse('2023-12-15T10:00:00Z'), '2023-12-15T17:00:00+07:00'],
    ['an instant with milliseconds', Date.parse('2023-12-15T10:00:00.250Z'), '2023-12-15T17:00:00.250+07:00'],
  ])('--until for %s reads back as the same instant', (_d, at, printed) => {
    expect(cliDeadline(at)).toBe(printed);
    expect(resolveDeadline(deadlineSchema.parse(printed), 0, new WorkingCalendar())).toBe(at);
  });

  it.each([
    ['2026-1187-QLTHADS-VP', '2026-1187-QLTHADS-VP'],
    ['t1+vp@thads.example', 't1+vp@thads.example'],
    ['ĐƠN-VỊ', 'ĐƠN-VỊ'],
    ['a b', `'a b'`],
    [`it's`, `'it'\\''s'`],
    ['$(rm -rf /)', `'$(rm -rf /)'`],
  ])('a shell word: %s → %s', (s, w) => expect(shellWord(s)).toBe(w));
});

describe('salutation', () => {
  const NFD = (s: string) => s.normalize('NFD');
  it.each([
    ['Trưởng Ban', 'Nguyễn Văn A', 'Trưởng Ban Nguyễn Văn A'],
    ['Trưởng Ban', 'Trưởng Ban Pháp chế', 'Trưởng Ban Pháp chế'],
    ['Trưởng Ban', 'trưởng ban Nguyễn Văn A', 'trưởng ban Nguyễn Văn A'],
    ['TRƯỞNG BAN', 'Trưởng Ban Nguyễn Văn A', 'Trưởng Ban Nguyễn Văn A'],
    [NFD('Cục trưởng'), 'Cục trưởng Lê Văn B', 'Cục trưởng Lê Văn B'],
    ['Cục trưởng', NFD('Cục trưởng Lê Văn B'), 'Cục trưởng Lê Văn B'],
    [NFD('Cục trưởng'), NFD('Lê Văn B'), 'Cục trưởng Lê Văn B'],
    ['  Vụ  trưởng ', ' Vụ trưởng   Lê  C ', 'Vụ trưởng Lê C'],
    ['Trưởng Ban', 'Đồng chí Trưởng Ban Nguyễn Văn A', 'Đồng chí Trưởng Ban Nguyễn Văn A'],
    ['Trưởng Ban', 'Trưởng Ban', 'Trưởng Ban'],
    ['Trưởng Ban', 'Trưởng Banh', 'Trưởng Ban Trưởng Banh'],
    ['Phó Tổng cục trưởng', 'Phó Tổng cục trưởng phụ trách Nguyễn D', 'Phó Tổng cục trưởng phụ trách Nguyễn D'],
    [undefined, 'Nguyễn Văn A', 'Nguyễn Văn A'],
    ['', 'Nguyễn Văn A', 'Nguyễn Văn A'],
    ['Giám đốc', '', 'Giám đốc'],
  ])('title %j, name %j → %j', (title, name, expected) => {
    const out = salutation({ ...(title === undefined ? {} : { title }), name });
    expect(out).toBe(expected);
    expect(out).toBe(out.normalize('NFC'));
  });

  it.each([
    ['Trưởng Ban Trưởng Ban Pháp chế', 'Trưởng Ban Pháp chế'],
    ['Phó Tổng cục trưởng Phó Tổng cục trưởng', 'Phó Tổng cục trưởng'],
    ['Trưởng ban TRƯỞNG BAN Nguyễn A', 'TRƯỞNG BAN Nguyễn A'],
    [NFD('Cục trưởng ') + 'Cục trưởng Lê B', 'Cục trưởng Lê B'],
    ['Lê Lê Văn A', 'Lê Lê Văn A'],
    ['Văn phòng Tổng cục', 'Văn phòng Tổng cục'],
  ])('an addressee built twice over: %j → %j', (addressee, expected) => {
    expect(collapseRepeatedTitle(addressee)).toBe(expected);
    const m = renderMessage({
      ...base,
      kind: 'escalation',
      unit,
      target: 'report',
      deadline: endOfDay('2023-12-15'),
      late: '1 ngày làm việc',
      level: 1,
      addressee,
    });
    expect(m.text).toContain(`Kính gửi: ${expected}\n`);
  });
});

describe('new kinds', () => {
  it('unit-failed tells the Office which unit stopped, why, how it shows, and whom to call', () => {
    const m = renderMessage({
      ...base,
      party: 'office',
      kind: 'unit-failed',
      unit,
      error: 'Workflow task failed: <lỗi>',
    });
    expect(m.subject).toBe(`[4432/TCTHADS-VP] Lỗi hệ thống: Cục THADS tỉnh Thử 1 - ${plan.directive.subject}`);
    expect(m.text).toContain(
      'Việc theo dõi đơn vị Cục THADS tỉnh Thử 1 (T1) đối với văn bản số 4432/TCTHADS-VP bị dừng do lỗi hệ thống: Workflow task failed: <lỗi>.',
    );
    expect(m.text).toContain('Đơn vị được đánh dấu "Lỗi" trên bảng điều khiển; đề nghị liên hệ quản trị viên');
    expect(m.html).toContain('Workflow task failed: &lt;lỗi&gt;');
  });

  it('undeliverable with some addresses accepted is a partial refusal naming both lists', () => {
    const m = renderMessage({
      ...base,
      party: 'office',
      kind: 'undeliverable',
      unit,
      addresses: ['a@thads.example', 'b@thads.example'],
      accepted: ['c@thads.example'],
      error: '550 User unknown',
    });
    expect(m.subject).toBe(
      `[4432/TCTHADS-VP] Một số địa chỉ của Cục THADS tỉnh Thử 1 bị từ chối - ${plan.directive.subject}`,
    );
    expect(m.text).toContain(
      'thư tới địa chỉ a@thads.example, b@thads.example của Cục THADS tỉnh Thử 1 (T1) bị từ chối (lỗi: 550 User unknown); địa chỉ c@thads.example đã nhận.',
    );
    expect(m.text).toContain('ghi đủ danh sách địa chỉ đúng');
    expect(m.text).toContain(`chidao address ${plan.key} T1 c@thads.example <email> [<email>…]`);
  });

  it('undeliverable with an empty accepted list reads as a full refusal', () => {
    const full = renderMessage({
      ...base,
      party: 'office',
      kind: 'undeliverable',
      unit,
      addresses: ['t1@thads.example'],
      error: '550',
    });
    const empty = renderMessage({
      ...base,
      party: 'office',
      kind: 'undeliverable',
      unit,
      addresses: ['t1@thads.example'],
      accepted: [],
      error: '550',
    });
    expect(empty.text).toBe(full.text);
    expect(full.text).toContain('không gửi được tới Cục THADS tỉnh Thử 1 (T1)');
    expect(full.text).not.toContain('đã nhận');
  });

  it('mail-restored names the outage in Viet Nam time and the directives it held up', () => {
    const req = everyKind.find((r) => r.kind === 'mail-restored')!;
    const m = renderMessage(req);
    expect(m.subject).toBe('[4432/TCTHADS-VP] Máy chủ thư đã hoạt động lại');
    expect(m.text).toContain(
      'Máy chủ thư đã hoạt động lại; thư bị chậm từ 14:02 25/11/2026 đến 14:40 25/11/2026; các thư chờ đang được gửi tiếp',
    );
    expect(m.text).toContain(`- 4432/TCTHADS-VP (${plan.key}): ${plan.directive.subject}`);
    expect(m.text).toContain('Lỗi máy chủ thư gần nhất: ECONNREFUSED');
    expect(vnClock(Date.parse('2026-01-05T17:30:00Z'))).toBe('00:30 06/01/2026');
  });
});
