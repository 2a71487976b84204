import type { WorkingCalendar } from '../domain/calendar';
import type { DisseminationPlan } from '../domain/plan';
import { ROLE_LABEL } from '../domain/roles';
import { resolveDeadline, reportDeadline } from '../domain/schedule';
import { followUpSchedule } from '../domain/follow-up';
import { URGENCY_LABEL } from '../domain/directive';
import { STAGE_LABEL, EDXML_STATUS, type UnitSnapshot } from '../domain/unit-state';
import { formatDuration } from '../domain/duration';
import { vnDateTime } from '../domain/vn-format';
import { explainDeadline, explainEscalation, explainReminder } from '../domain/explain';
import type { RunStatus } from '../workflows/dissemination-run';
import type { UnitRow } from '../workflows/unit-rows';

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (c ?? '').padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** --dry-run: who gets what, and every date the plan will act on, if dispatched now. */
/** Why each date of a plan falls where it does, in the order of the plan's table. */
function planReasons(plan: DisseminationPlan, now: number, cal: WorkingCalendar): string[] {
  const p = plan.directive.policy;
  const out: string[] = [];
  const office = p.officeHours ?? false;
  const followUps = (at: number) => {
    const planned = new Set(followUpSchedule('plan', at, now, p, cal).map((i) => i.key));
    p.reminders.forEach((b, i) => {
      if (planned.has(`plan@${at}:r${i}`)) out.push(`    nhắc: ${explainReminder(at, b, cal, office)}`);
    });
    for (const e of p.escalation) out.push(`    đôn đốc (${e.notify}): ${explainEscalation(at, e.after, cal, office)}`);
  };
  out.push(`  Xác nhận đã nhận: ${explainDeadline(p.acknowledge.due, now, cal)}`);
  followUps(resolveDeadline(p.acknowledge.due, now, cal));
  for (const r of p.reports) {
    out.push(`  ${r.title}: ${explainDeadline(r.due, now, cal)}`);
    if (r.recurrence)
      out.push(`    các kỳ sau: mỗi kỳ cách kỳ trước một chu kỳ, ngày nghỉ thì dời sang ngày làm việc kế tiếp`);
    followUps(reportDeadline(r, 0, now, cal));
  }
  return out;
}

export function renderPlan(plan: DisseminationPlan, now: number, cal: WorkingCalendar, at?: number): string {
  const d = plan.directive;
  const p = d.policy;
  const byRole = Object.entries(
    plan.recipients.reduce<Record<string, number>>((a, r) => ({ ...a, [r.role]: (a[r.role] ?? 0) + 1 }), {}),
  ).map(([role, n]) => [ROLE_LABEL[role as keyof typeof ROLE_LABEL], String(n)]);
  const ack = resolveDeadline(p.acknowledge.due, now, cal);
  const deadlines: [string, number][] = [
    ['Xác nhận đã nhận', ack],
    ...p.reports.flatMap((r) =>
      Array.from({ length: r.recurrence?.count ?? 1 }, (_, c): [string, number] => [
        `${r.title}${r.recurrence ? ` (kỳ ${c + 1})` : ''}`,
        reportDeadline(r, c, now, cal),
      ]),
    ),
  ];
  const dates = deadlines.map(([name, at]) => {
    const items = followUpSchedule('plan', at, now, p, cal);
    return [
      name,
      vnDateTime(at),
      items
        .filter((i) => i.kind === 'reminder')
        .map((i) => vnDateTime(i.at))
        .join('; ') || '—',
      items
        .filter((i) => i.kind === 'escalation')
        .map((i) => `${i.step!.notify}: ${vnDateTime(i.at)}`)
        .join('; '),
    ];
  });
  return [
    `Kế hoạch gửi ${d.number}/${d.symbol} — ${d.subject}`,
    `Văn phòng: ${plan.office.name} <${plan.office.emails.join(', ')}>`,
    `Độ khẩn: ${URGENCY_LABEL[d.urgency]}. ${
      p.officeHours
        ? 'Nhắc và đôn đốc chỉ gửi trong giờ hành chính (08:00–17:00 ngày làm việc).'
        : 'Nhắc và đôn đốc gửi cả ngoài giờ hành chính.'
    }`,
    '',
    table(['Vai trò', 'Số nơi nhận'], byRole),
    '',
    table(
      ['Việc', at === undefined ? 'Hạn (nếu gửi ngay)' : `Hạn (nếu gửi lúc ${vnDateTime(at)})`, 'Nhắc', 'Đôn đốc'],
      dates,
    ),
    '',
    'Vì sao những ngày này:',
    ...planReasons(plan, now, cal),
    p.digest ? `\nTổng hợp gửi Văn phòng mỗi ${formatDuration(p.digest.every)}.` : '',
    '',
    table(
      ['Mã', 'Nơi nhận', 'Vai trò', 'Email'],
      plan.recipients.map((r) => [
        r.code,
        r.name,
        `${ROLE_LABEL[r.role]}${r.purpose ? ` (${r.purpose})` : ''}`,
        r.emails.join(', '),
      ]),
    ),
  ].join('\n');
}

export function renderStatus(status: RunStatus, rows: UnitRow[], now: number): string {
  const counts = rows.reduce<Record<string, number>>((a, r) => ({ ...a, [r.stage]: (a[r.stage] ?? 0) + 1 }), {});
  const overdue = rows.filter((r) => r.overdue).length;
  const header = [
    `${status.ref} — ${status.subject}`,
    `Nơi nhận: ${status.added}/${status.expected} (thực hiện: ${rows.length}, để biết/báo cáo/phối hợp/lưu: ${status.info.length})` +
      (status.stop ? ` — ${status.stop.stage === 'recalled' ? 'ĐÃ THU HỒI' : 'ĐÃ KẾT THÚC'}` : ''),
    Object.entries(counts)
      .map(([s, n]) => `${STAGE_LABEL[s as keyof typeof STAGE_LABEL]}: ${n}`)
      .join(' · ') + (overdue ? ` · Quá hạn: ${overdue}` : ''),
  ];
  const body = table(
    ['Mã', 'Đơn vị', 'Giai đoạn', 'edXML', 'Hạn', 'Quá hạn', 'Nhắc', 'Đôn đốc', 'Ghi chú'],
    rows.map((r) => [
      r.code,
      r.name,
      STAGE_LABEL[r.stage],
      EDXML_STATUS[r.stage] ?? '',
      r.deadline ? vnDateTime(r.deadline) : '',
      r.overdue ? 'QUÁ HẠN' : '',
      String(r.remindersSent),
      r.escalationLevel ? `mức ${r.escalationLevel}` : '',
      r.rejectedAddresses?.length ? `thư bị từ chối: ${r.rejectedAddresses.join(', ')}` : '',
    ]),
  );
  const info = status.info.length
    ? '\n\n' +
      table(
        ['Mã', 'Nơi nhận khác', 'Mục đích', 'Đã gửi'],
        status.info.map((i) => [i.code, i.name, i.purpose || i.role, i.delivered ? 'có' : 'chưa']),
      )
    : '';
  void now;
  return `${header.join('\n')}\n\n${body}${info}`;
}

export const NO_WORKER_NOTICE =
  'Chú ý: không có worker nào trả lời kịp (worker chidao dừng, mất kết nối hoặc đang quá tải). Bảng dưới lấy từ chỉ mục tìm kiếm của Temporal: giai đoạn và quá hạn của từng đơn vị, chưa có tên, hạn và số lần nhắc. Khởi động lại worker để xem đầy đủ.';

export function renderVisibilityRows(key: string, rows: UnitRow[]): string {
  const overdue = rows.filter((r) => r.overdue).length;
  return `${key}: ${rows.length} đơn vị thực hiện${overdue ? `, ${overdue} quá hạn` : ''}\n\n${table(
    ['Mã', 'Giai đoạn', 'Quá hạn'],
    rows.map((r) => [r.code, STAGE_LABEL[r.stage], r.overdue ? 'QUÁ HẠN' : '']),
  )}`;
}

/** One unit for `chidao status <văn bản> --unit <mã>`: its stage and deadlines, each with its reason. */
export function renderUnit(s: UnitSnapshot, why: { acknowledge?: string; report?: string }): string {
  const out = [`${s.unit.code} — ${s.unit.name}`, `Giai đoạn: ${STAGE_LABEL[s.stage]}${s.overdue ? ' (quá hạn)' : ''}`];
  if (s.dispatchedAt !== undefined) out.push(`Đã gửi: ${vnDateTime(s.dispatchedAt)}`);
  if (s.ackDeadline !== undefined) {
    out.push(`Hạn xác nhận: ${vnDateTime(s.ackDeadline)}`);
    if (why.acknowledge) out.push(`  Vì sao: ${why.acknowledge}`);
  }
  if (s.acknowledgedAt !== undefined) out.push(`Đã xác nhận: ${vnDateTime(s.acknowledgedAt)}`);
  if (s.reportDeadline !== undefined) {
    out.push(`Hạn báo cáo: ${vnDateTime(s.reportDeadline)}`);
    if (why.report) out.push(`  Vì sao: ${why.report}`);
  }
  out.push(`Nhắc hạn: ${s.remindersSent} lần; mức đôn đốc: ${s.escalationLevel}`);
  return out.join('\n');
}
