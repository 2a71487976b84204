import { EDXML_STATUS, STAGE_LABEL } from '../../domain/unit-state';
import { CORRECTION_LABEL } from '../../domain/correction';
import { vnDateTime } from '../../domain/vn-format';
import type { RunStatus } from '../../workflows/dissemination-run';
import type { UnitRow } from '../../workflows/unit-rows';
import type { RunFilters } from '../../office';
import { COUNTED_RUNS, type RunListFilters, type RunOverview } from '../../office/run-overview';
import { URGENCY_LABEL } from '../../domain/directive';
import { html, raw, type Html } from '../html';
import { progressChart } from '../progress-chart';
import type { Cell } from '../xlsx';

/** Fixed confirmations after a redirect, so the URL never carries text to show. */
export const DONE: Record<string, string> = {
  extend: 'Đã gia hạn; đơn vị được báo qua thư điện tử và lịch nhắc hạn được tính lại.',
  answer: 'Đã gửi câu trả lời tới đơn vị.',
  accept: 'Đã chấp nhận báo cáo.',
  return: 'Đã trả lại báo cáo; đơn vị được báo lý do và hạn báo cáo lại.',
  recall: 'Đã thu hồi văn bản; các đơn vị sẽ được thông báo.',
  started: 'Đã bắt đầu đợt gửi; văn bản đang được gửi tới các nơi nhận.',
  'record-ack': 'Đã ghi nhận đơn vị đã nhận văn bản.',
  'record-report': 'Đã ghi nhận báo cáo của đơn vị.',
  address: 'Đã sửa địa chỉ; văn bản được gửi tới địa chỉ mới, các liên kết cũ không còn dùng được.',
  resend: 'Đã gửi lại văn bản tới địa chỉ hiện có của đơn vị, với các thời hạn như lần gửi đầu.',
  close: 'Đã kết thúc đợt gửi; báo cáo tổng hợp sẽ được gửi.',
};

const RUN_LABEL: Record<string, string> = {
  RUNNING: 'Đang theo dõi',
  COMPLETED: 'Đã kết thúc',
  FAILED: 'Lỗi',
  TERMINATED: 'Bị dừng',
  CONTINUED_AS_NEW: 'Đang theo dõi',
};

const URGENCY_TEXT: Record<string, string> = URGENCY_LABEL;

/** Units past acknowledgement (acknowledged, reported, returned, done), of all: the run's progress. */
function progressOf(r: RunOverview): { acked: number; done: number; overdue: number } | undefined {
  if (!r.counts || r.total === undefined) return undefined;
  const c = r.counts;
  const waiting = (c.dispatching ?? 0) + (c.dispatched ?? 0) + (c.undeliverable ?? 0);
  const stopped = (c.recalled ?? 0) + (c.closed ?? 0) + (c.failed ?? 0);
  return { acked: Math.max(0, r.total - waiting - stopped), done: c.done ?? 0, overdue: c.overdue ?? 0 };
}

/** The filters above the run list: year, state, and text in the number, symbol or subject. */
function runFilters(f: RunListFilters, years: string[]): Html {
  return html`<form class="filters" method="get" action="/office">
    <label for="year">Năm</label
    ><select id="year" name="year">
      <option value="">Tất cả</option>
      ${years.map((y) => html`<option value="${y}" ${f.year === y ? html`selected` : ''}>${y}</option>`)}
    </select>
    <label for="state">Tình trạng</label
    ><select id="state" name="state">
      <option value="">Tất cả</option>
      <option value="running" ${f.state === 'running' ? html`selected` : ''}>Đang theo dõi</option>
      <option value="finished" ${f.state === 'finished' ? html`selected` : ''}>Đã kết thúc</option>
    </select>
    <label for="q">Tìm</label
    ><input id="q" name="q" type="search" value="${f.q ?? ''}" placeholder="số, ký hiệu, trích yếu" />
    <button type="submit" class="secondary">Lọc</button>
  </form>`;
}

export function runList(runs: RunOverview[], f: RunListFilters = {}, years: string[] = []): Html {
  const filtered = !!(f.year || f.state || f.q);
  const table = runs.length
    ? html`<div class="table-wrap">
        <table>
          <caption class="hint">
            Mới nhất trước; số đơn vị theo giai đoạn của ${COUNTED_RUNS} đợt đầu danh sách.
          </caption>
          <thead>
            <tr>
              <th scope="col">Văn bản</th>
              <th scope="col">Trích yếu</th>
              <th scope="col">Độ khẩn</th>
              <th scope="col">Bắt đầu</th>
              <th scope="col">Tình trạng</th>
              <th scope="col">Đơn vị</th>
              <th scope="col">Đã nhận</th>
              <th scope="col">Xong</th>
              <th scope="col">Quá hạn</th>
              <th scope="col">Tiến độ</th>
            </tr>
          </thead>
          <tbody>
            ${runs.map((r) => {
              const p = progressOf(r);
              return html`<tr data-run="${r.key}">
                <td><a href="/office/run/${r.key}">${r.ref ?? r.key}</a></td>
                <td>${r.subject ?? ''}</td>
                <td>${r.urgency ? (URGENCY_TEXT[r.urgency] ?? r.urgency) : ''}</td>
                <td>${vnDateTime(r.start.getTime())}</td>
                <td>${RUN_LABEL[r.status] ?? r.status}${r.close ? ` (${vnDateTime(r.close.getTime())})` : ''}</td>
                <td class="num">${r.total ?? '—'}</td>
                <td class="num">${p ? p.acked : '—'}</td>
                <td class="num">${p ? p.done : '—'}</td>
                <td class="num">${p ? p.overdue : '—'}</td>
                <td>
                  ${
                    p && r.total
                      ? html`<progress
                          value="${p.acked}"
                          max="${r.total}"
                          aria-label="Đã nhận ${p.acked}/${r.total}"
                        ></progress>`
                      : ''
                  }
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>`
    : filtered
      ? html`<p>Không có đợt gửi nào khớp bộ lọc.</p>`
      : html`<p>
          Chưa có đợt gửi nào. Bắt đầu bằng <code>chidao start &lt;công văn&gt; --registry &lt;danh mục&gt;</code>.
        </p>`;
  return html`${runFilters(f, years)}${table}`;
}

/** What visibility alone knows when no worker answers: each unit's stage and lateness. */
export function noWorkerView(rows: UnitRow[], mailNotice: Html | string): Html {
  return html`${mailNotice}
    <div class="notice bad" role="alert">
      <p>
        Không có worker nào trả lời kịp (worker dừng, mất kết nối hoặc đang quá tải), nên chưa xem được đầy đủ đợt gửi
        và chưa thao tác được. Bảng dưới lấy từ chỉ mục tìm kiếm của Temporal (giai đoạn và quá hạn của từng đơn vị). Đề
        nghị quản trị viên khởi động lại worker chidao.
      </p>
    </div>
    <div class="table-wrap">
      <table id="units">
        <thead>
          <tr>
            <th scope="col">Mã</th>
            <th scope="col">Giai đoạn</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) =>
              html`<tr class="${r.overdue ? 'overdue' : ''}" data-unit="${r.code}">
                <td>${r.code}</td>
                <td>${STAGE_LABEL[r.stage]}${r.overdue ? html` <span class="badge bad">Quá hạn</span>` : ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

export interface RunViewInput {
  key: string;
  status: RunStatus;
  rows: UnitRow[];
  shown: UnitRow[];
  filters: Required<RunFilters>;
  done?: string | undefined;
  mailNotice: Html | string;
  /** Absent when the person may not recall or close: the forms are not shown. */
  csrfField?: Html | undefined;
  now: number;
}

/** The run's page: counts, chart, filters, the units' table, and the acts on the whole run. */
export function runView({
  key,
  status,
  rows,
  shown,
  filters: f,
  done,
  mailNotice,
  csrfField,
  now,
}: RunViewInput): Html {
  const count = (p: (r: UnitRow) => boolean) => rows.filter(p).length;
  const provinces = [...new Set(rows.map((r) => r.province).filter(Boolean))].sort() as string[];
  const regions = [...new Set(rows.map((r) => r.region).filter(Boolean))].sort() as string[];
  const qs = new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString();
  const option = (value: string, current: string, label: string) =>
    html`<option value="${value}" ${raw(value === current ? ' selected' : '')}>${label}</option>`;
  const stopped = status.stop;
  const adding =
    !stopped && status.added < status.expected
      ? html`<div class="notice" role="status" data-added="${status.added}" data-expected="${status.expected}">
          <p>
            Đang thêm nơi nhận: ${status.added.toLocaleString('vi-VN')}/${status.expected.toLocaleString('vi-VN')}.
            Trang tự tải lại mỗi 3 giây. Nếu con số này dừng lâu, hãy bấm lại "Bắt đầu gửi" ở trang xem trước (hoặc chạy
            lại <code>chidao start</code>): việc thêm tiếp tục từ chỗ đã dừng, không gửi trùng.
          </p>
        </div>`
      : '';
  return html`${done ? html`<div class="notice ok" role="status"><p>${done}</p></div>` : ''}${mailNotice}${adding}
    ${stopped ? html`<div class="notice bad"><p>${stopped.stage === 'recalled' ? 'Văn bản đã bị thu hồi' : 'Đợt gửi đã kết thúc'}.</p></div>` : ''}
    <div class="cards">
      <div class="card"><b>${rows.length}</b>đơn vị thực hiện</div>
      <div class="card"><b>${count((r) => r.viewedAt !== undefined)}</b>đã xem</div>
      <div class="card"><b>${count((r) => r.acknowledgedAt !== undefined)}</b>đã xác nhận</div>
      <div class="card"><b>${count((r) => r.reports > 0)}</b>đã báo cáo</div>
      <div class="card"><b>${count((r) => r.stage === 'done')}</b>hoàn thành</div>
      <div class="card"><b>${count((r) => r.overdue)}</b>quá hạn</div>
      <div class="card"><b>${status.info.length}</b>nơi nhận để biết</div>
    </div>
    <p><a href="/office/run/${key}/audit">Kiểm toán: đối chiếu sổ kiểm toán, tải bản xuất và hồ sơ chứng cứ</a></p>
    <h2>Tiến độ</h2>
    <div class="chart">
      ${raw(
        progressChart({
          total: rows.length,
          from: status.startedAt,
          to: Math.max(now, status.startedAt + 60_000),
          acknowledged: rows.flatMap((r) => (r.acknowledgedAt ? [r.acknowledgedAt] : [])),
          reported: rows.flatMap((r) => (r.reportedAt ? [r.reportedAt] : [])),
        }),
      )}
    </div>
    <h2>Đơn vị thực hiện</h2>
    <form class="filters" method="get" action="/office/run/${key}">
      <label
        >Lọc<select name="filter">
          ${option('', f.filter, 'Tất cả')}${option('overdue', f.filter, 'Quá hạn')}${option('unacknowledged', f.filter, 'Chưa xác nhận')}
        </select></label
      >
      <label
        >Tỉnh/thành<select name="province">
          ${option('', f.province, 'Tất cả')}${provinces.map((p) => option(p, f.province, p))}
        </select></label
      >
      <label
        >Vùng<select name="region">
          ${option('', f.region, 'Tất cả')}${regions.map((p) => option(p, f.region, p))}
        </select></label
      >
      <button type="submit" class="secondary">Lọc</button>
      <a href="/office/run/${key}/export.csv${qs ? `?${qs}` : ''}">Tải CSV</a>
      <a href="/office/run/${key}/export.xlsx${qs ? `?${qs}` : ''}">Tải Excel (XLSX)</a>
    </form>
    <p class="hint" aria-live="polite">Hiển thị ${shown.length}/${rows.length} đơn vị.</p>
    <div class="table-wrap">
      <table id="units">
        <thead>
          <tr>
            <th scope="col">Mã</th>
            <th scope="col">Đơn vị</th>
            <th scope="col">Giai đoạn</th>
            <th scope="col">Hạn hiện tại</th>
            <th scope="col" class="num">Nhắc</th>
            <th scope="col" class="num">Đôn đốc</th>
            <th scope="col">Vướng mắc</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (r) =>
              html`<tr class="${r.overdue ? 'overdue' : ''}" data-unit="${r.code}">
                <td><a href="/office/run/${key}/unit/${encodeURIComponent(r.code)}">${r.code}</a></td>
                <td>${r.name}</td>
                <td>${STAGE_LABEL[r.stage]}${r.overdue ? html` <span class="badge bad">Quá hạn</span>` : ''}</td>
                <td>${r.deadline ? vnDateTime(r.deadline) : '—'}</td>
                <td class="num">${r.remindersSent}</td>
                <td class="num">${r.escalationLevel ? `mức ${r.escalationLevel}` : '—'}</td>
                <td>
                  ${r.openDifficulties ? html`<span class="badge bad">${r.openDifficulties} chờ trả lời</span>` : '—'}${r.rejectedAddresses?.length ? html` <span class="badge bad">thư bị từ chối: ${r.rejectedAddresses.join(', ')}</span>` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${
      status.info.length
        ? html`<h2>Nơi nhận để biết, báo cáo, phối hợp</h2>
            <ul>
              ${status.info.map((i) => html`<li>${i.name} (${i.purpose || i.role}) — ${i.delivered ? 'đã gửi' : 'đang gửi'}</li>`)}
            </ul>`
        : ''
    }
    ${
      status.corrections?.length
        ? html`<h2>Đính chính, thay thế</h2>
            <ul>
              ${status.corrections.map(
                (c) =>
                  html`<li>
                    Phiên bản ${c.version}: ${CORRECTION_LABEL[c.kind].toLowerCase()} ngày ${vnDateTime(c.at)},
                    ${c.by}${
                      c.document
                        ? html` (<a href="/office/run/${key}/document?v=${c.version}">${c.document.fileName}</a>,
                            SHA-256 ${c.document.sha256.slice(0, 16)}…)`
                        : ''
                    }:
                    ${c.changes}
                  </li>`,
              )}
            </ul>`
        : ''
    }
    ${
      stopped || !csrfField
        ? ''
        : html`<h2>Thao tác với cả đợt gửi</h2>
            <div class="actions">
              <form class="stack" method="post" action="/office/run/${key}/close">
                ${csrfField}<label for="note">Ghi chú khi kết thúc</label
                ><input id="note" name="note" type="text" /><button type="submit">
                  Kết thúc và gửi báo cáo tổng hợp
                </button>
              </form>
              <form class="stack" method="post" action="/office/run/${key}/recall">
                ${csrfField}<label for="reason">Lý do thu hồi</label
                ><input id="reason" name="reason" type="text" required /><button type="submit" class="danger">
                  Thu hồi văn bản
                </button>
              </form>
            </div>`
    }`;
}

export const EXPORT_COLUMNS = [
  'Mã',
  'Đơn vị',
  'Tỉnh/thành',
  'Vùng',
  'Giai đoạn',
  'edXML',
  'Hạn hiện tại',
  'Quá hạn',
  'Số lần nhắc',
  'Mức đôn đốc',
  'Xác nhận lúc',
  'Báo cáo lúc',
  'Vướng mắc chờ trả lời',
];

export const exportCells = (r: UnitRow): Cell[] => [
  r.code,
  r.name,
  r.province,
  r.region,
  STAGE_LABEL[r.stage],
  EDXML_STATUS[r.stage],
  r.deadline ? vnDateTime(r.deadline) : undefined,
  r.overdue ? 'Quá hạn' : '',
  r.remindersSent,
  r.escalationLevel,
  r.acknowledgedAt ? vnDateTime(r.acknowledgedAt) : undefined,
  r.reportedAt ? vnDateTime(r.reportedAt) : undefined,
  r.openDifficulties,
];
