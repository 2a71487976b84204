import { CONFIDENTIALITY, CONFIDENTIALITY_LABEL, URGENCIES, URGENCY_LABEL } from '../../domain/directive';
import { formatDuration } from '../../domain/duration';
import type { Policy } from '../../domain/policy';
import type { Registry } from '../../domain/registry';
import type { DeadlineSpec } from '../../domain/schedule';
import type { UrgencyPolicies } from '../../domain/urgency-policies';
import { html, type Html } from '../html';
import {
  AUTHORITIES,
  ESCALATION_ROWS,
  REPORT_ROWS,
  reportFields,
  type FieldErrors,
  type RunForm,
} from './new-run-fields';
import { documentInput, keptDocument, type Draft } from './new-run-view';

const NOTIFY: Record<string, string> = { head: 'Thủ trưởng đơn vị', leader: 'Lãnh đạo phụ trách', office: 'Văn phòng' };

export const deadlineText = (d: DeadlineSpec) =>
  'within' in d ? formatDuration(d.within) : 'date' in d ? d.date : new Date(d.instant).toISOString();

/** One urgency's defaults in a sentence: what an empty policy field becomes. */
export function policyText(p: Policy): string {
  const reminders = p.reminders.length ? p.reminders.map(formatDuration).join(', ') : 'không nhắc';
  const ladder = p.escalation.length
    ? p.escalation.map((e) => `${NOTIFY[e.notify]} sau ${formatDuration(e.after)}`).join(' → ')
    : 'không báo lên';
  return `xác nhận trong ${deadlineText(p.acknowledge.due)}; nhắc trước hạn ${reminders}; quá hạn báo ${ladder}${p.officeHours ? '; chỉ trong giờ hành chính' : ''}`;
}

/** A labelled input with its error beside it; the value is what was typed. */
function field(
  form: RunForm,
  errors: FieldErrors,
  name: string,
  label: string,
  o: { type?: string; required?: boolean; hint?: string; placeholder?: string; rows?: number } = {},
): Html {
  const v = form.fields[name] ?? '';
  const err = errors[name];
  const a11y = err ? html`aria-invalid="true" aria-describedby="${name}-error"` : '';
  const control = o.rows
    ? html`<textarea id="${name}" name="${name}" rows="${o.rows}" ${o.required ? html`required` : ''} ${a11y}>
${v}</textarea>`
    : html`<input
        id="${name}"
        name="${name}"
        type="${o.type ?? 'text'}"
        value="${v}"
        ${o.placeholder ? html`placeholder="${o.placeholder}"` : ''}
        ${o.required ? html`required` : ''}
        ${a11y}
      />`;
  return html`<label for="${name}">${label}</label
    >${o.hint ? html`<span class="hint">${o.hint}</span>` : ''}${control}${
      err ? html`<p class="field-error" id="${name}-error">${err}</p>` : ''
    }`;
}

function select(form: RunForm, errors: FieldErrors, name: string, label: string, options: [string, string][]): Html {
  const v = form.fields[name] ?? '';
  const err = errors[name];
  return html`<label for="${name}">${label}</label
    ><select id="${name}" name="${name}" ${err ? html`aria-invalid="true" aria-describedby="${name}-error"` : ''}>
      ${options.map(([value, text]) => html`<option value="${value}" ${value === v ? html`selected` : ''}>${text}</option>`)}</select
    >${err ? html`<p class="field-error" id="${name}-error">${err}</p>` : ''}`;
}

/** Tick a group (every unit in it) or single units, each with its purpose as "Nơi nhận" writes it. */
/** Units a search of the registry shows at most; a narrower search finds the rest. */
export const SEARCH_SHOWN = 100;

/**
 * Tick a group (every unit in it) or single units, each with its purpose as "Nơi nhận" writes it. A search
 * (no script: the button posts the form back as filled) lists the matching units first; each unit's box
 * is in the form once, so what was ticked elsewhere stays ticked.
 */
function recipientsChooser(form: RunForm, errors: FieldErrors, registry: Registry, csrf: string): Html {
  const picked = new Set(form.picks);
  const purpose = (pick: string, fallback: string) => form.fields[`purpose:${pick}`] ?? fallback;
  const row = (pick: string, label: string, fallback: string) =>
    html`<tr>
      <td>
        <input
          type="checkbox"
          id="${pick}"
          name="pick"
          value="${pick}"
          ${picked.has(pick) ? html`checked` : ''}
        /><label for="${pick}" class="inline">${label}</label>
      </td>
      <td>
        <input
          name="purpose:${pick}"
          aria-label="Mục đích gửi ${label}"
          value="${purpose(pick, fallback)}"
          list="purposes"
        />
      </td>
    </tr>`;
  const q = (form.fields.recipientSearch ?? '').normalize('NFC').trim().toLowerCase().slice(0, 100);
  const found = q
    ? registry.units
        .filter((u) => [u.code, u.name, ...u.emails, u.province ?? ''].some((s) => s.toLowerCase().includes(q)))
        .slice(0, SEARCH_SHOWN)
    : [];
  const shown = new Set(found.map((u) => u.code));
  const inGroup = (code: string) => registry.units.filter((u) => u.groups.includes(code) && !shown.has(u.code));
  const loose = registry.units.filter((u) => !u.groups.length && !shown.has(u.code));
  const search = html`<label for="recipientSearch">Tìm đơn vị (mã, tên, email, tỉnh)</label>
    <input
      id="recipientSearch"
      name="recipientSearch"
      type="search"
      maxlength="100"
      value="${form.fields.recipientSearch ?? ''}"
    />
    <button type="submit" class="secondary" formaction="/office/runs/new?edit=1&amp;csrf=${csrf}">Tìm đơn vị</button>
    ${
      q
        ? html`<p class="hint" data-found="${found.length}">
              ${found.length ? `${found.length} đơn vị khớp "${q}"${found.length === SEARCH_SHOWN ? ' (hiện tối đa ' + SEARCH_SHOWN + ')' : ''}:` : `Không có đơn vị nào khớp "${q}".`}
            </p>
            ${
              found.length
                ? html`<div class="table-wrap">
                    <table>
                      <tbody>
                        ${found.map((u) => row(`unit:${u.code}`, `${u.name} (${u.code})`, 'để b/c'))}
                      </tbody>
                    </table>
                  </div>`
                : ''
            }`
        : ''
    }`;
  return html`<fieldset ${errors.recipients ? html`aria-describedby="recipients-error"` : ''}>
    <legend>Nơi nhận</legend>
    ${errors.recipients ? html`<p class="field-error" id="recipients-error">${errors.recipients}</p>` : ''}
    <datalist id="purposes">
      <option value="Như trên"></option>
      <option value="để b/c"></option>
      <option value="để p/h"></option>
      <option value="để biết"></option>
      <option value="Lưu"></option>
    </datalist>
    <p class="hint">
      "Như trên" là đơn vị thực hiện (có hạn xác nhận và báo cáo); "để b/c", "để p/h", "để biết", "Lưu" chỉ nhận văn
      bản.
    </p>
    ${search}
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Cả nhóm</th>
            <th scope="col">Mục đích</th>
          </tr>
        </thead>
        <tbody>
          ${registry.groups.map((g) =>
            row(
              `group:${g.code}`,
              `${g.name} (${registry.units.filter((u) => u.groups.includes(g.code)).length} đơn vị)`,
              'Như trên',
            ),
          )}
        </tbody>
      </table>
    </div>
    ${[...registry.groups.map((g) => ({ name: g.name, units: inGroup(g.code) })), { name: 'Đơn vị khác', units: loose }]
      .filter((g) => g.units.length)
      .map(
        (g) =>
          html`<details ${g.units.some((u) => picked.has(`unit:${u.code}`)) ? html`open` : ''}>
            <summary>Chọn từng đơn vị: ${g.name}</summary>
            <div class="table-wrap">
              <table>
                <tbody>
                  ${g.units.map((u) => row(`unit:${u.code}`, `${u.name} (${u.code})`, 'để b/c'))}
                </tbody>
              </table>
            </div>
          </details>`,
      )}
  </fieldset>`;
}

/**
 * Step one as a clerk sees it: the signed document, its metadata as printed on it, the recipients chosen
 * from the registry, and the follow-up (each empty field takes its urgency's default, shown beside it).
 */
export function runFormView(
  csrf: string,
  registry: Registry,
  policies: UrgencyPolicies,
  form: RunForm,
  errors: FieldErrors,
  document: Draft['document'],
): Html {
  const F = (name: string, label: string, o?: Parameters<typeof field>[4]) => field(form, errors, name, label, o);
  return html`${errors.general ? html`<div class="notice bad" role="alert"><p>${errors.general}</p></div>` : ''}
    ${
      Object.keys(errors).length > (errors.general ? 1 : 0)
        ? html`<div class="notice bad" role="alert">
            <p>
              Chưa xem trước được: ${Object.keys(errors).filter((k) => k !== 'general').length} ô cần sửa (ghi ngay dưới
              mỗi ô).
            </p>
          </div>`
        : ''
    }
    <p>Danh mục đơn vị: <strong>${registry.name}</strong> (hiệu lực từ ${registry.effective}).</p>
    <form class="stack" method="post" enctype="multipart/form-data" action="/office/runs/new?csrf=${csrf}">
      <input type="hidden" name="mode" value="form" />
      ${keptDocument(document)}
      <fieldset>
        <legend>Văn bản đã ký số</legend>
        <label for="document">Tệp PDF (hoặc DOCX, ODT) đã ký</label>
        ${documentInput(document, errors.document)}
      </fieldset>
      <fieldset>
        <legend>Thông tin văn bản (như in trên văn bản)</legend>
        ${F('number', 'Số', { type: 'number', required: true, placeholder: '4432' })}
        ${F('symbol', 'Ký hiệu', { required: true, placeholder: 'TCTHADS-VP' })}
        ${F('date', 'Ngày ban hành', { type: 'date', required: true })}
        ${F('place', 'Nơi ban hành', { required: true, placeholder: 'Hà Nội' })}
        ${F('type', 'Loại văn bản', { placeholder: 'Công văn' })}
        ${F('subject', 'Trích yếu', { required: true, hint: '"V/v" được thêm nếu thiếu.' })}
        ${select(
          form,
          errors,
          'urgency',
          'Độ khẩn',
          URGENCIES.map((u) => [u, URGENCY_LABEL[u]]),
        )}
        ${select(
          form,
          errors,
          'confidentiality',
          'Độ mật',
          CONFIDENTIALITY.map((c) => [c, CONFIDENTIALITY_LABEL[c]]),
        )}
        ${F('issuerParent', 'Cơ quan chủ quản', { placeholder: 'Bộ Tư pháp' })}
        ${F('issuerName', 'Cơ quan ban hành', { required: true, placeholder: 'Tổng cục Thi hành án dân sự' })}
        ${F('issuerCode', 'Mã cơ quan ban hành', { required: true, placeholder: 'TCTHADS' })}
        ${select(
          form,
          errors,
          'office',
          'Đơn vị soạn thảo (nhận báo cáo, vướng mắc và tổng hợp)',
          registry.units.map((u) => [u.code, `${u.name} (${u.code})`]),
        )}
      </fieldset>
      <fieldset>
        <legend>Nội dung</legend>
        ${F('addressees', 'Kính gửi (mỗi dòng một nơi)', { rows: 3 })}
        ${F('legalBases', 'Căn cứ (mỗi dòng một căn cứ)', { rows: 3 })} ${F('preamble', 'Phần mở đầu', { rows: 4 })}
        ${F('tasks', 'Các nhiệm vụ', {
          rows: 12,
          required: true,
          hint: 'Dán các mục "1. …", "2. …" của văn bản; hoặc mỗi nhiệm vụ một đoạn, cách nhau một dòng trống.',
        })}
        ${F('closing', 'Phần kết', { rows: 3 })}
      </fieldset>
      <fieldset>
        <legend>Người ký và liên hệ</legend>
        ${select(
          form,
          errors,
          'signerAuthority',
          'Thẩm quyền ký',
          AUTHORITIES.map((a) => [a, a || '(ký trực tiếp)']),
        )}
        ${F('signerAuthorityTitle', 'Chức vụ của người đứng đầu (sau KT./TL.)', { placeholder: 'Tổng Cục trưởng' })}
        ${F('signerTitle', 'Chức vụ người ký', { required: true, placeholder: 'Phó Tổng cục trưởng' })}
        ${F('signerName', 'Họ tên người ký', { required: true })}
        ${F('contactUnit', 'Đầu mối liên hệ', { required: true, placeholder: 'Văn phòng Tổng cục' })}
        ${F('contactPhone', 'Điện thoại liên hệ')} ${F('contactEmail', 'Thư điện tử liên hệ', { type: 'email' })}
      </fieldset>
      ${recipientsChooser(form, errors, registry, csrf)}
      <fieldset>
        <legend>Theo dõi, đôn đốc</legend>
        <p class="hint">Để trống ô nào thì ô đó theo mặc định của độ khẩn đã chọn:</p>
        <ul class="hint">
          ${URGENCIES.map((u) => html`<li><strong>${URGENCY_LABEL[u]}</strong>: ${policyText(policies[u])}</li>`)}
        </ul>
        ${F('ackDue', 'Hạn xác nhận đã nhận', { placeholder: '2 ngày làm việc' })}
        ${Array.from({ length: REPORT_ROWS }, (_, k) => k + 1).map((i) => {
          const [title, due] = reportFields(i);
          const n = i === 1 ? '' : ` thứ ${i}`;
          return html`${F(title, `Báo cáo${n} phải gửi (tên)`, { placeholder: i === 1 ? 'Báo cáo kết quả triển khai' : '' })}
          ${F(due, `Hạn báo cáo${n}`, { placeholder: i === 1 ? '15 ngày làm việc, hoặc một ngày như 2023-12-15' : '' })}`;
        })}
        ${F('reminders', 'Nhắc trước hạn (cách nhau dấu phẩy)', { placeholder: '3 ngày làm việc, 1 ngày làm việc' })}
        ${Array.from({ length: ESCALATION_ROWS }, (_, i) => i + 1).map(
          (i) =>
            html`${F(`esc${i}After`, `Quá hạn bước ${i}: sau`, { placeholder: i === 1 ? '1 ngày làm việc' : '' })}
            ${select(form, errors, `esc${i}Notify`, `Bước ${i}: báo cho`, [
              ['head', NOTIFY.head!],
              ['leader', NOTIFY.leader!],
              ['office', NOTIFY.office!],
            ])}`,
        )}
        <p>
          <input
            type="checkbox"
            id="requireView"
            name="requireView"
            value="1"
            ${form.fields.requireView ? html`checked` : ''}
          /><label for="requireView" class="inline"
            >Đơn vị phải mở văn bản đã ký số trên trang của mình trước khi bấm xác nhận đã nhận</label
          >
        </p>
      </fieldset>
      <button type="submit">Xem trước</button>
    </form>
    <p><a href="/office/runs/new?yaml=1">Dán nội dung YAML thay cho biểu mẫu</a> (từ phần mềm quản lý văn bản).</p>`;
}
