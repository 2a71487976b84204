import { CONFIDENTIALITY, URGENCIES } from '../../domain/directive';
import { deadlineSchema, durationSchema } from '../../domain/policy';
import { isLocalDate } from '../../domain/calendar';
import type { Registry } from '../../domain/registry';
import { roleFromPurpose } from '../../domain/roles';

/**
 * The directive as a clerk fills it in the browser, field by field, and its conversion to the directive
 * the rest of chidao reads (the same object a YAML file gives). Each refusal names its form field, in
 * Vietnamese; what was typed is kept as typed.
 */
export interface RunForm {
  fields: Record<string, string>;
  /** "group:CODE" or "unit:CODE", as ticked. */
  picks: string[];
}
export type FieldErrors = Record<string, string>;

export const ESCALATION_ROWS = 3;
export const AUTHORITIES = ['', 'KT.', 'TL.', 'TUQ.', 'TM.', 'Q.'] as const;
const SYMBOL_RE = /^[A-ZĐ0-9]+(-[A-ZĐ0-9]+)*$/;
const MAX_FIELD = 20_000;

const lines = (s: string | undefined) =>
  (s ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * Tasks as pasted from the signed document: numbered paragraphs ("1. …", "2) …") or paragraphs separated
 * by a blank line. The numbers are the document's own when it has them.
 */
export function tasksFrom(text: string): { no: number; text: string }[] {
  const t = text.replace(/\r\n/g, '\n').trim();
  if (!t) return [];
  const numbered = /^\s*\d+\s*[.)]\s+/m.test(t);
  const parts = numbered ? t.split(/\n(?=\s*\d+\s*[.)]\s+)/) : t.split(/\n\s*\n/);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p, i) => {
      const m = /^(\d+)\s*[.)]\s+([\s\S]*)$/.exec(p);
      return { no: m ? Number(m[1]) : i + 1, text: (m ? m[2]! : p).trim() };
    });
}

const check = <T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } };
  },
  v: string,
) => {
  const r = schema.safeParse(v);
  return r.success ? undefined : (r.error.issues[0]?.message ?? 'không hợp lệ');
};

/** Reports a run asks for from the form (a directive's YAML takes up to 20). */
export const REPORT_ROWS = 3;
/** The form fields of report row i: the first keeps its original names. */
export const reportFields = (i: number): [string, string] =>
  i === 1 ? ['reportTitle', 'reportDue'] : [`report${i}Title`, `report${i}Due`];

/**
 * The directive object of a filled form, or the errors by field. Policy fields left empty are left out,
 * so the urgency's defaults fill them (the administrator's table).
 */
export function directiveFromForm(
  form: RunForm,
  registry: Registry,
): { directive?: Record<string, unknown>; errors: FieldErrors } {
  const f = (k: string) => (form.fields[k] ?? '').normalize('NFC').trim();
  const errors: FieldErrors = {};
  const need = (k: string, message: string) => {
    if (!f(k)) errors[k] ??= message;
  };
  for (const [k, v] of Object.entries(form.fields))
    if (v.length > MAX_FIELD) errors[k] = `Ô này dài quá ${MAX_FIELD.toLocaleString('vi-VN')} ký tự.`;

  const number = Number(f('number'));
  if (!/^\d{1,9}$/.test(f('number')) || number < 1) errors.number ??= 'Số văn bản là một số nguyên dương, ví dụ 4432.';
  const symbol = f('symbol').toUpperCase();
  if (!SYMBOL_RE.test(symbol)) errors.symbol ??= 'Ký hiệu viết hoa, nối bằng "-", ví dụ TCTHADS-VP.';
  if (!isLocalDate(f('date'))) errors.date ??= 'Ngày ban hành không hợp lệ (chọn ngày trên lịch).';
  need('place', 'Cần nơi ban hành, ví dụ Hà Nội.');
  need('subject', 'Cần trích yếu nội dung.');
  const urgency = f('urgency') || 'thuong';
  if (!(URGENCIES as readonly string[]).includes(urgency)) errors.urgency = 'Độ khẩn không hợp lệ.';
  const confidentiality = f('confidentiality') || 'thuong';
  if (!(CONFIDENTIALITY as readonly string[]).includes(confidentiality))
    errors.confidentiality = 'Độ mật không hợp lệ.';
  else if (confidentiality !== 'thuong')
    errors.confidentiality =
      'Văn bản mật không gửi qua chidao: thư điện tử thường không đủ bảo mật (Luật Bảo vệ bí mật nhà nước). Hãy chuyển theo đường văn bản mật.';
  need('issuerName', 'Cần tên cơ quan ban hành.');
  need('issuerCode', 'Cần mã cơ quan ban hành, ví dụ TCTHADS.');
  const office = f('office');
  if (!registry.units.some((u) => u.code === office)) errors.office = 'Chọn đơn vị soạn thảo trong danh mục.';
  if (!(AUTHORITIES as readonly string[]).includes(f('signerAuthority')))
    errors.signerAuthority = 'Thẩm quyền ký không hợp lệ.';
  need('signerTitle', 'Cần chức vụ người ký.');
  need('signerName', 'Cần họ tên người ký.');
  const tasks = tasksFrom(f('tasks'));
  if (!tasks.length) errors.tasks = 'Cần ít nhất một nhiệm vụ (dán nội dung các mục của công văn).';
  need('contactUnit', 'Cần đơn vị đầu mối liên hệ.');
  if (f('contactEmail') && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f('contactEmail')))
    errors.contactEmail = 'Địa chỉ thư liên hệ không hợp lệ.';

  const groups = new Set(registry.groups.map((g) => g.code));
  const units = new Set(registry.units.map((u) => u.code));
  const recipients: { group?: string; unit?: string; purpose: string }[] = [];
  for (const pick of [...new Set(form.picks)].slice(0, 2000)) {
    const [kind, code = ''] = pick.split(/:(.*)/s) as [string, string?];
    const known = kind === 'group' ? groups.has(code) : kind === 'unit' ? units.has(code) : false;
    if (!known) {
      errors.recipients ??= `Nơi nhận không có trong danh mục: ${pick.slice(0, 100)}.`;
      continue;
    }
    const purpose = f(`purpose:${pick}`) || (kind === 'group' ? 'Như trên' : 'để b/c');
    recipients.push({ [kind]: code, purpose });
  }
  if (!recipients.length) errors.recipients ??= 'Chọn ít nhất một nơi nhận.';
  else if (!recipients.some((r) => roleFromPurpose(r.purpose) === 'implement'))
    errors.recipients ??=
      'Cần ít nhất một nơi nhận thực hiện (mục đích "Như trên"); các nơi "để b/c", "để p/h", "Lưu" chỉ nhận văn bản.';

  const policy: Record<string, unknown> = {};
  if (f('ackDue')) {
    const e = check(deadlineSchema, f('ackDue'));
    if (e) errors.ackDue = `Hạn xác nhận: ${e}`;
    else policy.acknowledge = { due: f('ackDue') };
  }
  const reports = [];
  for (let i = 1; i <= REPORT_ROWS; i++) {
    const [title, due] = reportFields(i);
    if (!f(title) && !f(due)) continue;
    need(title, 'Cần tên báo cáo (hoặc để trống cả hai ô của báo cáo này).');
    need(due, 'Cần hạn báo cáo (hoặc để trống cả hai ô của báo cáo này).');
    const e = f(due) && check(deadlineSchema, f(due));
    if (e) errors[due] = `Hạn báo cáo: ${e}`;
    reports.push({ id: i === 1 ? 'ket-qua' : `ket-qua-${i}`, title: f(title), due: f(due) });
  }
  if (reports.length) policy.reports = reports;
  if (f('reminders')) {
    const list = f('reminders')
      .split(/[,;\n]/)
      .map((x) => x.trim())
      .filter(Boolean);
    const bad = list.map((x) => check(durationSchema, x)).find(Boolean);
    if (bad) errors.reminders = `Nhắc hạn: ${bad}`;
    policy.reminders = list;
  }
  const steps = [];
  for (let i = 1; i <= ESCALATION_ROWS; i++) {
    const after = f(`esc${i}After`);
    if (!after) continue;
    const e = check(durationSchema, after);
    if (e) errors[`esc${i}After`] = `Báo lên bước ${i}: ${e}`;
    const notify = f(`esc${i}Notify`);
    if (!['head', 'leader', 'office'].includes(notify)) errors[`esc${i}Notify`] = 'Chọn người được báo.';
    steps.push({ after, notify });
  }
  if (steps.length) policy.escalation = steps;
  if (f('requireView')) policy.requireView = true;

  if (Object.keys(errors).length) return { errors };
  const subject = /^V\/v\s/.test(f('subject')) ? f('subject') : `V/v ${f('subject')}`;
  const optional = (k: string, v: unknown) => (v === '' || (Array.isArray(v) && !v.length) ? {} : { [k]: v });
  return {
    errors,
    directive: {
      number,
      symbol,
      type: f('type') || 'Công văn',
      issuer: { ...optional('parent', f('issuerParent')), name: f('issuerName'), code: f('issuerCode') },
      office,
      place: f('place'),
      date: f('date'),
      subject,
      urgency,
      confidentiality,
      ...optional('addressees', lines(form.fields.addressees)),
      ...optional('legalBases', lines(form.fields.legalBases)),
      ...optional('preamble', f('preamble')),
      tasks,
      ...optional('closing', f('closing')),
      signer: {
        authority: f('signerAuthority'),
        ...optional('authorityTitle', f('signerAuthorityTitle')),
        title: f('signerTitle'),
        name: f('signerName'),
      },
      contact: {
        unit: f('contactUnit'),
        ...optional('phone', f('contactPhone')),
        ...optional('email', f('contactEmail')),
      },
      recipients,
      ...(Object.keys(policy).length ? { policy } : {}),
    },
  };
}

/** The fields an Office keeps from one directive to the next: who issues, who signs, whom to call. */
export const REMEMBERED_FIELDS = [
  'symbol',
  'place',
  'type',
  'issuerName',
  'issuerCode',
  'issuerParent',
  'office',
  'signerAuthority',
  'signerAuthorityTitle',
  'signerTitle',
  'signerName',
  'contactUnit',
  'contactPhone',
  'contactEmail',
] as const;
