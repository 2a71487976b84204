import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../src/domain/templates';
import { endOfDay } from '../../src/domain/calendar';
import type { MessageRequest } from '../../src/domain/messages';

/**
 * The message kinds that tests/domain/templates.test.ts only checks for their printed commands: here each
 * one's subject, the facts its body must carry, and the links a unit gets (or must not get).
 */
const base = {
  runKey: '2023-4432-TCTHADS-VP',
  ref: '4432/TCTHADS-VP',
  subject: 'V/v hướng dẫn thi hành',
  party: 'T1',
  seq: 0,
  to: ['t1@thads.example'],
  replyTo: ['vp@thads.example'],
  officeName: 'Văn phòng Tổng cục',
};
const unit = { code: 'T1', name: 'Cục THADS tỉnh Thử 1' };
const links = {
  acknowledge: 'http://x/u/acknowledge?t=a.b',
  report: 'http://x/u/report?t=c.d',
  status: 'http://x/u/status?t=e.f',
};
const SIGNATURE = `--\nVăn phòng Tổng cục\nThư này được gửi tự động bởi hệ thống chidao; trả lời thư sẽ tới Văn phòng Tổng cục.\n`;

/** The links a rendered unit message carries, by action. */
const linksIn = (text: string) =>
  (Object.keys(links) as (keyof typeof links)[]).filter((k) => text.includes(links[k])).sort();

interface Case {
  req: MessageRequest;
  subject: string;
  body: string[];
  links: (keyof typeof links)[];
}

const cases: Record<string, Case> = {
  'reminder (acknowledge)': {
    req: { ...base, kind: 'reminder', unit, target: 'acknowledge', deadline: endOfDay('2023-11-23') },
    subject: '[4432/TCTHADS-VP] Đôn đốc: V/v hướng dẫn thi hành',
    body: [
      'Kính gửi: Cục THADS tỉnh Thử 1',
      'Văn phòng Tổng cục đề nghị đơn vị xác nhận đã nhận văn bản đối với văn bản số 4432/TCTHADS-VP trước thời hạn: hết Thứ Năm, 23/11/2023.',
    ],
    links: ['acknowledge', 'status'],
  },
  'reminder (report, titled)': {
    req: {
      ...base,
      kind: 'reminder',
      unit,
      target: 'report',
      deadline: Date.parse('2023-12-15T17:00:00+07:00'),
      reportTitle: 'Báo cáo sơ kết 6 tháng',
    },
    subject: '[4432/TCTHADS-VP] Đôn đốc: V/v hướng dẫn thi hành',
    body: [
      'Văn phòng Tổng cục đề nghị đơn vị gửi báo cáo sơ kết 6 tháng đối với văn bản số 4432/TCTHADS-VP trước thời hạn: 17:00 Thứ Sáu, 15/12/2023.',
    ],
    links: ['report', 'status'],
  },
  'report-received': {
    req: {
      ...base,
      party: 'office',
      kind: 'report-received',
      unit,
      reportTitle: 'Báo cáo kết quả',
      text: 'Đã triển khai tới 12 chi cục.',
      fileName: 'bao-cao.pdf',
    },
    subject: '[4432/TCTHADS-VP] Báo cáo của Cục THADS tỉnh Thử 1 - V/v hướng dẫn thi hành',
    body: [
      'Cục THADS tỉnh Thử 1 đã gửi báo cáo kết quả đối với văn bản số 4432/TCTHADS-VP.',
      'Đã triển khai tới 12 chi cục.',
      'Tệp đính kèm: bao-cao.pdf',
    ],
    links: [],
  },
  'report-accepted (with the next report)': {
    req: {
      ...base,
      kind: 'report-accepted',
      unit,
      reportTitle: 'Báo cáo đợt 1',
      next: { title: 'Báo cáo đợt 2', due: endOfDay('2024-06-14') },
    },
    subject: '[4432/TCTHADS-VP] Báo cáo đã được chấp nhận - V/v hướng dẫn thi hành',
    body: [
      'Văn phòng Tổng cục đã chấp nhận báo cáo đợt 1 của đơn vị đối với văn bản số 4432/TCTHADS-VP.',
      'Báo cáo tiếp theo: Báo cáo đợt 2, thời hạn hết Thứ Sáu, 14/06/2024.',
    ],
    links: ['status'],
  },
  'report-returned': {
    req: {
      ...base,
      kind: 'report-returned',
      unit,
      reportTitle: 'Báo cáo kết quả',
      reason: 'Thiếu số liệu quý IV',
      due: endOfDay('2023-12-20'),
    },
    subject: '[4432/TCTHADS-VP] Đề nghị hoàn thiện báo cáo - V/v hướng dẫn thi hành',
    body: [
      'Văn phòng Tổng cục đề nghị đơn vị hoàn thiện báo cáo kết quả đối với văn bản số 4432/TCTHADS-VP với lý do sau:',
      'Thiếu số liệu quý IV',
      'Thời hạn gửi lại: hết Thứ Tư, 20/12/2023.',
    ],
    links: ['report', 'status'],
  },
  'extension-requested': {
    req: {
      ...base,
      party: 'office',
      kind: 'extension-requested',
      unit,
      until: endOfDay('2023-12-29'),
      reason: 'Chờ số liệu',
    },
    subject: '[4432/TCTHADS-VP] Đề nghị gia hạn của Cục THADS tỉnh Thử 1 - V/v hướng dẫn thi hành',
    body: [
      'Cục THADS tỉnh Thử 1 đề nghị gia hạn đến hết Thứ Sáu, 29/12/2023 đối với văn bản số 4432/TCTHADS-VP. Lý do:',
      'Chờ số liệu',
      'chidao extend 2023-4432-TCTHADS-VP T1 --until 2023-12-29',
    ],
    links: [],
  },
  'extension-granted (with a reason)': {
    req: {
      ...base,
      kind: 'extension-granted',
      unit,
      target: 'acknowledge',
      from: endOfDay('2023-11-23'),
      until: endOfDay('2023-11-28'),
      reason: 'Đơn vị đề nghị',
    },
    subject: '[4432/TCTHADS-VP] Gia hạn - V/v hướng dẫn thi hành',
    body: [
      'Văn phòng Tổng cục đồng ý gia hạn xác nhận đã nhận văn bản đối với văn bản số 4432/TCTHADS-VP: từ hết Thứ Năm, 23/11/2023 đến hết Thứ Ba, 28/11/2023.',
      'Lý do: Đơn vị đề nghị',
    ],
    links: ['status'],
  },
  'deadline-moved (a day off announced after dispatch)': {
    req: {
      ...base,
      kind: 'deadline-moved',
      unit,
      target: 'report',
      from: endOfDay('2023-12-13'),
      until: endOfDay('2023-12-14'),
      reason: 'lịch nghỉ mới (tệp lich-2023.yaml)',
    },
    subject: '[4432/TCTHADS-VP] Thay đổi thời hạn - V/v hướng dẫn thi hành',
    body: [
      'Do lịch nghỉ thay đổi, thời hạn gửi báo cáo đối với văn bản số 4432/TCTHADS-VP chuyển từ hết Thứ Tư, 13/12/2023 sang hết Thứ Năm, 14/12/2023.',
      'Lý do: lịch nghỉ mới (tệp lich-2023.yaml)',
    ],
    links: ['status'],
  },
  'difficulty-raised': {
    req: { ...base, party: 'office', kind: 'difficulty-raised', unit, id: 2, text: 'Chưa rõ mẫu báo cáo.' },
    subject: '[4432/TCTHADS-VP] Vướng mắc số 2 của Cục THADS tỉnh Thử 1 - V/v hướng dẫn thi hành',
    body: [
      'Cục THADS tỉnh Thử 1 phản ánh vướng mắc số 2 khi thực hiện văn bản số 4432/TCTHADS-VP:',
      'Chưa rõ mẫu báo cáo.',
      'chidao answer 2023-4432-TCTHADS-VP T1 2 --text "<nội dung>"',
    ],
    links: [],
  },
  'difficulty-answered': {
    req: {
      ...base,
      kind: 'difficulty-answered',
      unit,
      id: 2,
      question: 'Chưa rõ mẫu báo cáo.',
      answer: 'Dùng mẫu số 1.',
    },
    subject: '[4432/TCTHADS-VP] Trả lời vướng mắc số 2 - V/v hướng dẫn thi hành',
    body: [
      'Về vướng mắc số 2 đơn vị phản ánh khi thực hiện văn bản số 4432/TCTHADS-VP:',
      'Chưa rõ mẫu báo cáo.',
      'Văn phòng Tổng cục trả lời như sau:',
      'Dùng mẫu số 1.',
    ],
    links: ['status'],
  },
  recall: {
    req: { ...base, kind: 'recall', unit, reason: 'Ban hành nhầm' },
    subject: '[4432/TCTHADS-VP] THU HỒI - V/v hướng dẫn thi hành',
    body: [
      'Kính gửi: Cục THADS tỉnh Thử 1',
      'Văn phòng Tổng cục thông báo thu hồi văn bản số 4432/TCTHADS-VP. Đề nghị đơn vị dừng thực hiện văn bản này. Lý do:',
      'Ban hành nhầm',
    ],
    links: [],
  },
  digest: {
    req: {
      ...base,
      party: 'office-digest',
      kind: 'digest',
      counts: { dispatched: 1, acknowledged: 2, overdue: 1, informed: 3 },
      total: 3,
      overdue: [{ code: 'T1', name: 'Cục THADS tỉnh Thử 1', stage: 'dispatched' }],
    },
    subject: '[4432/TCTHADS-VP] Tổng hợp tình hình - V/v hướng dẫn thi hành',
    body: [
      'Tình hình thực hiện văn bản số 4432/TCTHADS-VP:',
      [
        'Tổng số đơn vị thực hiện: 3',
        'Đã gửi, chờ xác nhận: 1',
        'Đã tiếp nhận, chờ báo cáo: 2',
        'Quá hạn: 1',
        'Nơi nhận để biết/báo cáo/phối hợp đã gửi: 3',
      ].join('\n'),
      'ĐƠN VỊ QUÁ HẠN',
      '- Cục THADS tỉnh Thử 1 (T1): Đã gửi, chờ xác nhận',
    ],
    links: [],
  },
  'summary (recalled, with a note)': {
    req: {
      ...base,
      party: 'office',
      kind: 'summary',
      counts: { recalled: 2 },
      total: 2,
      outcome: 'recalled',
      note: 'Thay bằng văn bản 4500',
    },
    subject: '[4432/TCTHADS-VP] Kết quả (đã thu hồi) - V/v hướng dẫn thi hành',
    body: [
      'Kết quả triển khai văn bản số 4432/TCTHADS-VP (văn bản đã bị thu hồi):',
      'Tổng số đơn vị thực hiện: 2\nĐã thu hồi: 2',
      'Ghi chú: Thay bằng văn bản 4500',
    ],
    links: [],
  },
  'summary (closed)': {
    req: { ...base, party: 'office', kind: 'summary', counts: { done: 2 }, total: 2, outcome: 'closed', note: '' },
    subject: '[4432/TCTHADS-VP] Báo cáo kết quả - V/v hướng dẫn thi hành',
    body: ['Kết quả triển khai văn bản số 4432/TCTHADS-VP:', 'Tổng số đơn vị thực hiện: 2\nHoàn thành: 2'],
    links: [],
  },
};

describe('message templates, kind by kind', () => {
  it.each(Object.entries(cases))('%s: subject, the facts in the body, and only its own links', (_name, c) => {
    const { subject, text, html, attachment } = renderMessage(c.req, links);
    expect(subject).toBe(c.subject);
    const paragraphs = text.split('\n\n');
    for (const line of c.body) expect(paragraphs).toContain(line);
    expect(linksIn(text)).toEqual([...c.links].sort());
    expect(linksIn(html)).toEqual([...c.links].sort());
    expect(text.endsWith(SIGNATURE)).toBe(true);
    expect(attachment).toBeUndefined();
  });

  it('a summary that was closed never says it was recalled, and a note-less one prints no note', () => {
    const { text } = renderMessage(cases['summary (closed)']!.req, links);
    expect(text).not.toMatch(/thu hồi|Ghi chú/);
  });

  it('a digest with nothing overdue has no overdue list', () => {
    const req: MessageRequest = {
      ...base,
      party: 'office-digest',
      kind: 'digest',
      counts: { done: 2 },
      total: 2,
      overdue: [],
    };
    expect(renderMessage(req).text).not.toMatch(/QUÁ HẠN|Quá hạn/);
  });

  it('values from units are escaped in the HTML body', () => {
    const req: MessageRequest = { ...base, kind: 'recall', unit, reason: '<script>alert(1)</script> & "x"' };
    const { html } = renderMessage(req);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
    expect(html).not.toContain('<script>');
  });
});
