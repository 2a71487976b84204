import { describe, expect, it } from 'vitest';
import { renderMessage, escapeHtml } from '../../src/domain/templates';
import { vnLongDate, vnDateTime } from '../../src/domain/vn-format';
import { endOfDay } from '../../src/domain/calendar';
import { testPlan } from '../helpers/fixtures';
import type { MessageRequest } from '../../src/domain/messages';

const plan = testPlan();
const base = { runKey: plan.key, ref: '4432/TCTHADS-VP', subject: plan.directive.subject, party: 'T1', seq: 0, to: ['t1@thads.example'], replyTo: ['vp@thads.example'], officeName: 'Văn phòng Tổng cục' };
const links = { acknowledge: 'http://x/u/acknowledge?t=a.b', report: 'http://x/u/report?t=c.d', status: 'http://x/u/status?t=e.f' };

describe('message templates', () => {
  it('dispatch: subject in the house style, deadlines as Vietnamese dates, links, escaped values, attachment', () => {
    const req: MessageRequest = { ...base, kind: 'dispatch', unit: { code: 'T1', name: 'Cục THADS tỉnh <Thử>' }, role: 'implement', purpose: 'Như trên', directive: plan.directive, ackDeadline: endOfDay('2023-11-23'), reports: [{ title: 'Báo cáo kết quả', due: endOfDay('2023-12-15') }] };
    const m = renderMessage(req, links);
    expect(m.subject).toBe('[4432/TCTHADS-VP] V/v hướng dẫn, đôn đốc triển khai thi hành Luật thực hiện dân chủ ở cơ sở');
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

  it('escalation names the overdue unit and how late it is', () => {
    const m = renderMessage({ ...base, kind: 'escalation', unit: { code: 'T1', name: 'Cục THADS tỉnh Thử 1' }, target: 'report', deadline: endOfDay('2023-12-15'), late: '3 ngày làm việc', level: 2, addressee: 'Phó Tổng cục trưởng A' });
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
