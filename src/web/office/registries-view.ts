import { html, type Html } from '../html';
import { vnDateTime } from '../../domain/vn-format';
import { diffIsEmpty, diffSummary } from '../../domain/registry-diff';
import { REGISTRY_COLUMNS } from '../../domain/registry-table';
import type { Person, Registry, Unit } from '../../domain/registry';
import {
  VERSION_STATE_LABEL,
  type RegistryChange,
  type RegistryVersion,
  type VersionDiff,
  type VersionState,
} from '../../registries/registries';

export const versionPath = (v: Pick<RegistryVersion, 'id' | 'effective'>) =>
  `/office/registries/${encodeURIComponent(v.id)}/${v.effective}`;

/** What was typed in the import form, kept when it is refused (a file input cannot be refilled). */
export interface ImportTyped {
  id: string;
  name: string;
  effective: string;
}

export function fieldError(errors: Record<string, string>, id: string): Html {
  return errors[id] ? html`<p class="field-error" id="${id}-error">${errors[id]}</p>` : html``;
}
const invalid = (errors: Record<string, string>, id: string) =>
  errors[id] ? html`aria-invalid="true" aria-describedby="${id}-error"` : html``;

function textField(
  id: string,
  label: string,
  value: string,
  errors: Record<string, string>,
  hint = '',
  max = 200,
): Html {
  return html`<label for="${id}">${label}</label>${hint ? html`<p class="hint">${hint}</p>` : ''}
    <input id="${id}" name="${id}" type="text" maxlength="${max}" value="${value}" ${invalid(errors, id)} />
    ${fieldError(errors, id)}`;
}

export function importForm(csrf: string, typed: ImportTyped, errors: Record<string, string>, lines: string[]): Html {
  return html`<h2>Nhập phiên bản mới</h2>
    <p>
      Tệp YAML (như <code>examples/units-thads-2023.yaml</code>), CSV hoặc Excel (.xlsx) theo
      <a href="/office/registries/template.xlsx">mẫu Excel</a> hoặc
      <a href="/office/registries/template.csv">mẫu CSV</a>: mỗi dòng một đơn vị; các cột
      ${REGISTRY_COLUMNS.map((c) => c.title).join(', ')}. Phiên bản mới chỉ có hiệu lực sau khi bạn xem những gì thay
      đổi và bấm "Kích hoạt".
    </p>
    ${
      lines.length
        ? html`<div class="notice bad" role="alert" id="file-error">
            <p>Chưa nhập được tệp; sửa các chỗ sau rồi chọn lại tệp:</p>
            <ul>
              ${lines.map((l) => html`<li>${l}</li>`)}
            </ul>
          </div>`
        : ''
    }
    <form class="stack" method="post" enctype="multipart/form-data" action="/office/registries?csrf=${csrf}">
      <label for="file">Tệp danh mục (.yaml, .csv, .xlsx)</label>
      <input
        id="file"
        name="file"
        type="file"
        accept=".yaml,.yml,.csv,.xlsx"
        required
        ${lines.length ? html`aria-describedby="file-error"` : ''}
      />
      ${textField('id', 'Mã danh mục', typed.id, errors, 'Với CSV/Excel: ví dụ thads-2024. Tệp YAML tự ghi mã, tên và ngày.', 64)}
      ${textField('name', 'Tên danh mục', typed.name, errors, 'Để trống thì giữ tên của phiên bản trước.')}
      ${textField('effective', 'Hiệu lực từ ngày (YYYY-MM-DD)', typed.effective, errors, '', 10)}
      <button type="submit">Nhập và xem thay đổi</button>
    </form>`;
}

export function versionsTable(versions: (RegistryVersion & { state: VersionState })[]): Html {
  if (!versions.length)
    return html`<p>
      Chưa có danh mục nào. Quản trị viên nhập tệp ở dưới (hoặc: <code>chidao registry import</code>).
    </p>`;
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th scope="col">Danh mục</th>
          <th scope="col">Hiệu lực từ</th>
          <th scope="col">Số đơn vị</th>
          <th scope="col">Trạng thái</th>
          <th scope="col">Nhập</th>
        </tr>
      </thead>
      <tbody>
        ${versions.map(
          (v) =>
            html`<tr data-state="${v.state}">
              <td><a href="${versionPath(v)}">${v.name}</a><br /><span class="hint">${v.id}</span></td>
              <td>${v.effective}</td>
              <td>${v.units.toLocaleString('vi-VN')}</td>
              <td>${VERSION_STATE_LABEL[v.state]}</td>
              <td>${vnDateTime(v.importedAt)}<br /><span class="hint">${v.importedBy}, tệp ${v.source}</span></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

const personText = (p?: Person) =>
  p ? `${p.name}${p.title ? `, ${p.title}` : ''}${p.email ? ` <${p.email}>` : ''}` : '(không có)';

export function diffView({ diff, against }: VersionDiff): Html {
  const head = html`<p>
    So với
    ${against ? html`<a href="${versionPath(against)}">phiên bản hiệu lực từ ${against.effective}</a>` : 'danh mục trống'}:
    <strong>${diffSummary(diff)}</strong>.
  </p>`;
  if (diffIsEmpty(diff)) return head;
  const list = (title: string, items: Html[]) =>
    items.length
      ? html`<h3>${title} (${items.length})</h3>
          <ul class="diff">
            ${items.slice(0, 500).map((i) => html`<li>${i}</li>`)}
            ${items.length > 500 ? html`<li>… và ${items.length - 500} nữa</li>` : ''}
          </ul>`
      : '';
  return html`${head}
  ${list(
    'Thêm',
    diff.added.map((u) => html`<code>${u.code}</code> ${u.name}`),
  )}
  ${list(
    'Bớt',
    diff.removed.map((u) => html`<code>${u.code}</code> ${u.name}`),
  )}
  ${list(
    'Đổi tên',
    diff.renamed.map((u) => html`<code>${u.code}</code> ${u.from} → ${u.to}`),
  )}
  ${list(
    'Đổi địa chỉ email',
    diff.addresses.map((u) => html`<code>${u.code}</code> ${u.name}: ${u.from.join(', ')} → ${u.to.join(', ')}`),
  )}
  ${list(
    'Đổi thủ trưởng, lãnh đạo phụ trách',
    diff.people.map(
      (u) =>
        html`<code>${u.code}</code> ${u.who === 'head' ? 'Thủ trưởng' : 'Lãnh đạo phụ trách'}: ${personText(u.from)} →
          ${personText(u.to)}`,
    ),
  )}
  ${list(
    'Đổi nhóm, cấp trên hoặc nơi',
    diff.placement.map((u) => html`<code>${u.code}</code> ${u.name}: ${u.fields.join(', ')}`),
  )}`;
}

/** At most this many units on the page; a search narrows the rest. */
export const UNITS_SHOWN = 200;

export function unitsTable(reg: Registry, base: string, q: string, editable: boolean): Html {
  const needle = q.toLowerCase();
  const match = (u: Unit) =>
    !needle ||
    [u.code, u.name, ...u.emails, u.head?.name ?? '', u.leader?.name ?? ''].some((s) =>
      s.toLowerCase().includes(needle),
    );
  const found = reg.units.filter(match);
  return html`<form method="get" action="${base}" role="search">
      <label for="q">Tìm đơn vị (mã, tên, email, thủ trưởng)</label>
      <input id="q" name="q" type="search" maxlength="100" value="${q}" />
      <button type="submit" class="secondary">Tìm</button>
    </form>
    <p class="hint" data-found="${found.length}">
      ${found.length.toLocaleString('vi-VN')} đơn
      vị${found.length > UNITS_SHOWN ? html`; hiện ${UNITS_SHOWN} đầu tiên` : ''}.
    </p>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Mã</th>
            <th scope="col">Tên đơn vị</th>
            <th scope="col">Email</th>
            <th scope="col">Thủ trưởng</th>
            <th scope="col">Lãnh đạo phụ trách</th>
          </tr>
        </thead>
        <tbody>
          ${found.slice(0, UNITS_SHOWN).map(
            (u) =>
              html`<tr>
                <td>${editable ? html`<a href="${base}/unit/${encodeURIComponent(u.code)}">${u.code}</a>` : u.code}</td>
                <td>${u.name}</td>
                <td>${u.emails.join(', ')}</td>
                <td>${personText(u.head)}</td>
                <td>${personText(u.leader)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

export function changesList(changes: RegistryChange[]): Html {
  if (!changes.length) return html``;
  const what = (c: RegistryChange) =>
    c.kind === 'import'
      ? 'nhập phiên bản'
      : c.kind === 'activate'
        ? 'kích hoạt'
        : `sửa đơn vị ${c.unit}: email ${c.before?.emails.join(', ')} → ${c.after?.emails.join(', ')}; thủ trưởng ${personText(c.before?.head)} → ${personText(c.after?.head)}; lãnh đạo ${personText(c.before?.leader)} → ${personText(c.after?.leader)}`;
  return html`<h2>Thay đổi gần đây</h2>
    <ul class="changes">
      ${changes.map((c) => html`<li>${vnDateTime(c.at)} — ${c.by}: ${what(c)} (${c.id}, hiệu lực từ ${c.effective})</li>`)}
    </ul>`;
}

/** The edit form of one unit: typed values kept and the refused field marked when it comes back. */
export interface UnitTyped {
  emails: string;
  head: Partial<Person>;
  leader: Partial<Person>;
}

export const typedOf = (u: Unit): UnitTyped => ({
  emails: u.emails.join('\n'),
  head: u.head ?? {},
  leader: u.leader ?? {},
});

export function unitForm(csrf: string, action: string, u: Unit, t: UnitTyped, errors: Record<string, string>): Html {
  const person = (who: 'head' | 'leader', legend: string) =>
    html`<fieldset>
      <legend>${legend}</legend>
      ${textField(`${who}.name`, 'Họ tên', t[who].name ?? '', errors)}
      ${textField(`${who}.title`, 'Chức vụ', t[who].title ?? '', errors)}
      ${textField(`${who}.email`, 'Email', t[who].email ?? '', errors, '', 254)}
    </fieldset>`;
  return html`<p><code>${u.code}</code> ${u.name}</p>
    <form class="stack" method="post" action="${action}">
      <input type="hidden" name="csrf" value="${csrf}" />
      <label for="emails">Địa chỉ email của đơn vị (mỗi dòng một địa chỉ)</label>
      <textarea id="emails" name="emails" rows="3" maxlength="2000" ${invalid(errors, 'emails')}>${t.emails}</textarea>
      ${fieldError(errors, 'emails')} ${person('head', 'Thủ trưởng (bậc đôn đốc thứ nhất)')}
      ${person('leader', 'Lãnh đạo phụ trách (bậc đôn đốc thứ hai)')}
      <p class="hint">
        Sửa ngay trên phiên bản này; các bậc đôn đốc từ nay gửi tới người ghi ở đây khi phiên bản đang hiệu lực. Địa chỉ
        nhận công văn của các đợt đã gửi thì sửa ở trang đơn vị của đợt đó.
      </p>
      <button type="submit">Lưu</button>
    </form>`;
}
