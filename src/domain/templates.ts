import { CORRECTION_LABEL } from './correction';
import { directiveRef, URGENCY_LABEL, type Directive } from './directive';
import type { MessageRequest, StageCounts } from './messages';
import { ROLE_LABEL } from './roles';
import { STAGE_LABEL, type Stage } from './unit-state';
import { vnDateTime, vnLongDate } from './vn-format';
import { toHtml, toText, type Block, type RenderedMessage, type UnitLinks } from './message-blocks';
import { cliDeadline, command, vnClock } from './cli-hints';
import { collapseRepeatedTitle } from './salutation';

export { salutation } from './salutation';
export { escapeHtml, type RenderedMessage, type UnitLinks } from './message-blocks';
export { cliDeadline, shellWord, vnClock } from './cli-hints';

/** The directive as Decree 30 lays it out, as plain text: for the attachment and the dispatch body. */
export function directiveText(d: Directive): string {
  const lines = [
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    'Độc lập - Tự do - Hạnh phúc',
    '',
    ...(d.issuer.parent ? [d.issuer.parent.toUpperCase()] : []),
    d.issuer.name.toUpperCase(),
    `Số: ${directiveRef(d)}`,
    `${d.place}, ${vnLongDate(d.date)}`,
    ...(d.urgency !== 'thuong' ? [`Độ khẩn: ${URGENCY_LABEL[d.urgency]}`] : []),
    '',
    d.subject,
    '',
    ...(d.addressees.length ? ['Kính gửi:', ...d.addressees.map((a) => `- ${a}`), ''] : []),
    ...(d.preamble ? [d.preamble, ''] : []),
    ...d.tasks.flatMap((t) => [`${t.no}. ${t.title ? t.title + '\n' : ''}${t.text}`, '']),
    ...(d.closing ? [d.closing, ''] : []),
    [d.signer.authority, d.signer.authorityTitle].filter(Boolean).join(' ').toUpperCase(),
    d.signer.title.toUpperCase(),
    d.signer.name,
  ];
  return lines.join('\n').trim() + '\n';
}

const targetLabel = (t: 'acknowledge' | 'report', reportTitle?: string) =>
  t === 'acknowledge'
    ? 'xác nhận đã nhận văn bản'
    : `gửi ${reportTitle ? reportTitle.charAt(0).toLowerCase() + reportTitle.slice(1) : 'báo cáo kết quả thực hiện'}`;

function countsTable(counts: StageCounts, total: number): [string, string][] {
  const rows: [string, string][] = [['Tổng số đơn vị thực hiện', String(total)]];
  for (const [stage, label] of Object.entries(STAGE_LABEL) as [Stage, string][]) {
    const n = counts[stage];
    if (n) rows.push([label, String(n)]);
  }
  if (counts.overdue) rows.push(['Quá hạn', String(counts.overdue)]);
  if (counts.informed) rows.push(['Nơi nhận để biết/báo cáo/phối hợp đã gửi', String(counts.informed)]);
  return rows;
}

/** Subject in the style "[4432/TCTHADS-VP] V/v hướng dẫn, đôn đốc triển khai…", with a prefix per kind. */
/** "[4432/TCTHADS-VP] HỎA TỐC - Đôn đốc: V/v …": khẩn and above say so in every subject. */
function subjectLine(req: MessageRequest, prefix = '', urgency = req.urgency): string {
  const tag = urgency && urgency !== 'thuong' ? `${URGENCY_LABEL[urgency].toUpperCase()} - ` : '';
  return `[${req.ref}] ${tag}${prefix}${req.subject}`;
}

export function renderMessage(req: MessageRequest, links?: UnitLinks): RenderedMessage {
  const blocks: Block[] = [];
  let subject: string;
  let attachment: RenderedMessage['attachment'];
  const contact = (d: { phone?: string | undefined; unit: string }) =>
    `${d.unit}${d.phone ? `, điện thoại ${d.phone}` : ''}`;
  const unitLinks = (which: (keyof UnitLinks)[]) => {
    if (!links) return;
    const label: Record<keyof UnitLinks, string> = {
      acknowledge: 'Xác nhận đã nhận văn bản',
      report: 'Gửi báo cáo kết quả / phản ánh vướng mắc',
      status: 'Xem tình trạng và thời hạn',
    };
    for (const k of which) blocks.push({ link: label[k], href: links[k] });
  };

  switch (req.kind) {
    case 'dispatch': {
      const d = req.directive;
      if (!d) throw new Error(`dispatch ${req.ref} to ${req.unit.code}: the directive's text is missing`);
      subject = subjectLine(req, '', d.urgency);
      blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({
        p: `${req.officeName} gửi văn bản số ${req.ref} ngày ${d.date.split('-').reverse().join('/')} của ${d.issuer.name} ${d.subject.replace(/^V\/v\s*/, 'về việc ')}. Đơn vị nhận văn bản ${req.purpose ? `(${req.purpose}) ` : ''}với vai trò: ${ROLE_LABEL[req.role]}.`,
      });
      if (req.role === 'implement') {
        const rows: [string, string][] = [];
        if (req.ackDeadline) rows.push(['Xác nhận đã nhận văn bản', vnDateTime(req.ackDeadline)]);
        for (const r of req.reports) rows.push([r.title, vnDateTime(r.due)]);
        if (rows.length) blocks.push({ strong: 'Thời hạn' }, { table: rows });
        const why = [
          ...(req.ackWhy ? [`Xác nhận đã nhận văn bản: ${req.ackWhy}`] : []),
          ...req.reports.flatMap((r) => (r.why ? [`${r.title}: ${r.why}`] : [])),
        ];
        if (why.length) blocks.push({ p: 'Cách tính thời hạn:' }, { list: why });
        unitLinks(['acknowledge', 'report', 'status']);
      }
      blocks.push({ strong: 'Nội dung văn bản' }, { pre: directiveText(d) });
      blocks.push({
        p: `Trong quá trình thực hiện, nếu có vướng mắc, đề nghị phản ánh về ${contact(d.contact)} (trả lời thư này hoặc dùng đường dẫn ở trên).`,
      });
      attachment = { filename: `${req.ref.replace('/', '-')}.txt`, content: directiveText(d) };
      break;
    }
    case 'reminder':
      subject = subjectLine(req, 'Đôn đốc: ');
      blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({
        p: `${req.officeName} đề nghị đơn vị ${targetLabel(req.target, req.reportTitle)} đối với văn bản số ${req.ref} trước thời hạn: ${vnDateTime(req.deadline)}.`,
      });
      unitLinks(req.target === 'acknowledge' ? ['acknowledge', 'status'] : ['report', 'status']);
      break;
    case 'escalation':
      subject = subjectLine(req, `Quá hạn (mức ${req.level}): ${req.unit.name} - `);
      // Lifecycles built the addressee as title + name; a name that repeats its title is said once.
      blocks.push({ p: `Kính gửi: ${collapseRepeatedTitle(req.addressee)}` });
      blocks.push({
        p: `${req.unit.name} chưa ${targetLabel(req.target)} đối với văn bản số ${req.ref}. Thời hạn là ${vnDateTime(req.deadline)}; đơn vị đã quá hạn ${req.late}.`,
      });
      blocks.push({
        p: `Đề nghị đồng chí chỉ đạo đơn vị khẩn trương thực hiện. Đây là thông báo đôn đốc mức ${req.level}.`,
      });
      break;
    case 'undeliverable': {
      const accepted = req.accepted ?? [];
      if (accepted.length) {
        subject = subjectLine(req, `Một số địa chỉ của ${req.unit.name} bị từ chối - `);
        blocks.push({
          p: `Văn bản số ${req.ref}: thư tới địa chỉ ${req.addresses.join(', ')} của ${req.unit.name} (${req.unit.code}) bị từ chối (lỗi: ${req.error}); địa chỉ ${accepted.join(', ')} đã nhận.`,
        });
        blocks.push({
          table: [
            ['Bị từ chối', req.addresses.join(', ')],
            ['Đã nhận', accepted.join(', ')],
            ['Lỗi máy chủ thư', req.error],
          ],
        });
        blocks.push({
          p: 'Hãy cập nhật địa chỉ thư của đơn vị bằng lệnh dưới đây, ghi đủ danh sách địa chỉ đúng (lệnh thay toàn bộ danh sách cũ, nên giữ cả địa chỉ đã nhận):',
        });
        blocks.push({ pre: command('address', req.runKey, req.unit.code, ...accepted, '<email>', '[<email>…]') });
      } else {
        subject = subjectLine(req, `Không gửi được tới ${req.unit.name} - `);
        blocks.push({ p: `Văn bản số ${req.ref} không gửi được tới ${req.unit.name} (${req.unit.code}).` });
        blocks.push({
          table: [
            ['Địa chỉ', req.addresses.join(', ')],
            ['Lỗi máy chủ thư', req.error],
          ],
        });
        blocks.push({
          p: 'Hãy cập nhật địa chỉ thư của đơn vị bằng lệnh dưới đây, ghi đủ danh sách địa chỉ đúng; văn bản sẽ được gửi lại ngay:',
        });
        blocks.push({ pre: command('address', req.runKey, req.unit.code, '<email>', '[<email>…]') });
      }
      break;
    }
    case 'unit-failed':
      subject = subjectLine(req, `Lỗi hệ thống: ${req.unit.name} - `);
      blocks.push({
        p: `Việc theo dõi đơn vị ${req.unit.name} (${req.unit.code}) đối với văn bản số ${req.ref} bị dừng do lỗi hệ thống: ${req.error}.`,
      });
      blocks.push({
        p: `Đơn vị được đánh dấu "Lỗi" trên bảng điều khiển; đề nghị liên hệ quản trị viên hệ thống để khắc phục.`,
      });
      break;
    case 'report-received':
      subject = subjectLine(req, `Báo cáo của ${req.unit.name} - `);
      blocks.push({ p: `${req.unit.name} đã gửi ${req.reportTitle.toLowerCase()} đối với văn bản số ${req.ref}.` });
      blocks.push({ pre: req.text });
      if (req.fileName) blocks.push({ p: `Tệp đính kèm: ${req.fileName}` });
      break;
    case 'report-accepted':
      subject = subjectLine(req, 'Báo cáo đã được chấp nhận - ');
      blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({
        p: `${req.officeName} đã chấp nhận ${req.reportTitle.toLowerCase()} của đơn vị đối với văn bản số ${req.ref}.`,
      });
      if (req.next) blocks.push({ p: `Báo cáo tiếp theo: ${req.next.title}, thời hạn ${vnDateTime(req.next.due)}.` });
      unitLinks(['status']);
      break;
    case 'report-returned':
      subject = subjectLine(req, 'Đề nghị hoàn thiện báo cáo - ');
      blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({
        p: `${req.officeName} đề nghị đơn vị hoàn thiện ${req.reportTitle.toLowerCase()} đối với văn bản số ${req.ref} với lý do sau:`,
      });
      blocks.push({ pre: req.reason });
      blocks.push({ p: `Thời hạn gửi lại: ${vnDateTime(req.due)}.` });
      unitLinks(['report', 'status']);
      break;
    case 'extension-requested':
      subject = subjectLine(req, `Đề nghị gia hạn của ${req.unit.name} - `);
      blocks.push({
        p: `${req.unit.name} đề nghị gia hạn đến ${vnDateTime(req.until)} đối với văn bản số ${req.ref}. Lý do:`,
      });
      blocks.push({ pre: req.reason });
      blocks.push({ p: 'Đồng ý gia hạn như đơn vị đề nghị (hoặc sửa ngày sau --until):' });
      blocks.push({ pre: command('extend', req.runKey, req.unit.code, '--until', cliDeadline(req.until)) });
      break;
    case 'extension-granted':
      subject = subjectLine(req, 'Gia hạn - ');
      blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({
        p: `${req.officeName} đồng ý gia hạn ${req.target === 'acknowledge' ? 'xác nhận đã nhận văn bản' : 'gửi báo cáo'} đối với văn bản số ${req.ref}: từ ${vnDateTime(req.from)} đến ${vnDateTime(req.until)}.`,
      });
      if (req.reason) blocks.push({ p: `Lý do: ${req.reason}` });
      unitLinks(['status']);
      break;
    case 'deadline-moved':
      subject = subjectLine(req, 'Thay đổi thời hạn - ');
      blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({
        p: `Do lịch nghỉ thay đổi, thời hạn ${req.target === 'acknowledge' ? 'xác nhận đã nhận văn bản' : 'gửi báo cáo'} đối với văn bản số ${req.ref} chuyển từ ${vnDateTime(req.from)} sang ${vnDateTime(req.until)}.`,
      });
      blocks.push({ p: `Lý do: ${req.reason}` });
      unitLinks(['status']);
      break;
    case 'difficulty-raised':
      subject = subjectLine(req, `Vướng mắc số ${req.id} của ${req.unit.name} - `);
      blocks.push({ p: `${req.unit.name} phản ánh vướng mắc số ${req.id} khi thực hiện văn bản số ${req.ref}:` });
      blocks.push({ pre: req.text });
      blocks.push({ p: 'Trả lời bằng lệnh (thay <nội dung> bằng nội dung trả lời, giữ dấu ngoặc kép):' });
      blocks.push({ pre: `${command('answer', req.runKey, req.unit.code, String(req.id))} --text "<nội dung>"` });
      break;
    case 'difficulty-answered':
      subject = subjectLine(req, `Trả lời vướng mắc số ${req.id} - `);
      blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({ p: `Về vướng mắc số ${req.id} đơn vị phản ánh khi thực hiện văn bản số ${req.ref}:` });
      blocks.push({ pre: req.question });
      blocks.push({ p: `${req.officeName} trả lời như sau:` });
      blocks.push({ pre: req.answer });
      if (req.resumed)
        blocks.push({
          p: `Thời hạn được dời từ ${vnDateTime(req.resumed.from)} sang ${vnDateTime(req.resumed.until)}: ${req.resumed.workingDays ? `${req.resumed.workingDays} ngày làm việc` : 'thời gian'} chờ Văn phòng trả lời không tính vào thời hạn.`,
        });
      unitLinks(['status']);
      break;
    case 'correction': {
      const what = CORRECTION_LABEL[req.correctionKind];
      subject = subjectLine(req, `${what.toUpperCase()} - `);
      if (req.unit) blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({
        p: `${req.officeName} gửi văn bản ${what.toLowerCase()} văn bản số ${req.ref} (phiên bản ${req.version}).${req.document ? ` Văn bản đính kèm: ${req.document.fileName}.` : ''} Những gì thay đổi:`,
      });
      blocks.push({ pre: req.changes });
      blocks.push({
        p: 'Các thời hạn của đơn vị giữ nguyên; những gì đơn vị đã gửi (xác nhận, báo cáo) vẫn được ghi nhận.',
      });
      if (req.acknowledge) {
        blocks.push({ p: `Đề nghị đơn vị xác nhận đã nhận văn bản ${what.toLowerCase()}.` });
        unitLinks(['acknowledge', 'status']);
      } else unitLinks(['status']);
      break;
    }
    case 'recall':
      subject = subjectLine(req, 'THU HỒI - ');
      if (req.unit) blocks.push({ p: `Kính gửi: ${req.unit.name}` });
      blocks.push({
        p: `${req.officeName} thông báo thu hồi văn bản số ${req.ref}. Đề nghị đơn vị dừng thực hiện văn bản này. Lý do:`,
      });
      blocks.push({ pre: req.reason });
      break;
    case 'digest':
      subject = subjectLine(req, 'Tổng hợp tình hình - ');
      blocks.push({ p: `Tình hình thực hiện văn bản số ${req.ref}:` });
      blocks.push({ table: countsTable(req.counts, req.total) });
      if (req.overdue.length)
        blocks.push(
          { strong: 'Đơn vị quá hạn' },
          { list: req.overdue.map((o) => `${o.name} (${o.code}): ${STAGE_LABEL[o.stage]}`) },
        );
      break;
    case 'mail-restored': {
      const refs = req.runs.map((r) => r.ref);
      subject = `[${refs.join(', ')}] Máy chủ thư đã hoạt động lại`;
      blocks.push({
        // "đang được gửi tiếp": the first message has gone; the others leave as their retries come due.
        p: `Máy chủ thư đã hoạt động lại; thư bị chậm từ ${vnClock(req.downSince)} đến ${vnClock(req.upAt)}; các thư chờ đang được gửi tiếp tự động, mỗi thư một lần, không cần làm gì thêm.`,
      });
      blocks.push({ p: `Thư của ${refs.length > 1 ? 'các văn bản' : 'văn bản'} sau bị chậm trong thời gian đó:` });
      blocks.push({ list: req.runs.map((r) => `${r.ref} (${r.runKey}): ${r.subject}`) });
      if (req.lastError) blocks.push({ table: [['Lỗi máy chủ thư gần nhất', req.lastError]] });
      break;
    }
    case 'summary':
      subject = subjectLine(req, req.outcome === 'recalled' ? 'Kết quả (đã thu hồi) - ' : 'Báo cáo kết quả - ');
      blocks.push({
        p: `Kết quả triển khai văn bản số ${req.ref} ${req.outcome === 'recalled' ? '(văn bản đã bị thu hồi)' : ''}:`.replace(
          ' :',
          ':',
        ),
      });
      blocks.push({ table: countsTable(req.counts, req.total) });
      if (req.note) blocks.push({ p: `Ghi chú: ${req.note}` });
      break;
  }
  blocks.push({
    p: `--\n${req.officeName}\nThư này được gửi tự động bởi hệ thống chidao; trả lời thư sẽ tới ${req.officeName}.`,
  });
  return { subject, text: toText(blocks), html: toHtml(subject, blocks), ...(attachment ? { attachment } : {}) };
}
