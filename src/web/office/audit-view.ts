import type { AuditBundle, Finding } from '../../audit/commands';
import { html, type Html } from '../html';

const LEVEL = { error: 'LỖI', warning: 'LƯU Ý' } as const;

/** The auditor's page of a run: what verify found, as a table, and what to download. Read-only. */
export function auditView(key: string, bundle: AuditBundle, findings: Finding[], keyring: boolean): Html {
  const errors = findings.filter((f) => f.level === 'error');
  const digests = bundle.digests?.length ?? 0;
  const units = [...new Set(bundle.records.map((r) => r.unit).filter((u): u is string => !!u))].sort();
  const signed = !digests
    ? 'không có chữ ký số (máy ghi sổ chưa bật ký số)'
    : keyring
      ? `${digests} chữ ký số hợp lệ`
      : `${digests} chữ ký số chưa kiểm (máy chủ chưa có khóa công khai CHIDAO_AUDIT_KEYRING)`;
  const verdict = errors.length
    ? html`<div class="notice bad" role="alert">
        <p><b>${errors.length} lỗi: bản ghi kiểm toán KHÔNG đáng tin.</b> Xem bảng phát hiện bên dưới.</p>
      </div>`
    : html`<div class="notice ok" role="status">
        <p>
          Chuỗi ${bundle.records.length} bản ghi hợp lệ; khớp với ${bundle.histories.length} lịch sử workflow;
          ${signed}.
        </p>
      </div>`;
  const rows = findings.map(
    (f) =>
      html`<tr class="${f.level === 'error' ? 'overdue' : ''}">
        <td>${LEVEL[f.level]}</td>
        <td><code>${f.kind}</code></td>
        <td class="num">${f.seq ?? ''}</td>
        <td><code>${f.key ?? ''}</code></td>
        <td><code>${f.workflowId ?? ''}</code></td>
        <td class="num">${f.eventId ?? ''}</td>
        <td>${f.message}</td>
      </tr>`,
  );
  const base = `/office/run/${key}/audit`;
  return html`${verdict}
    <div class="cards">
      <div class="card"><b>${bundle.records.length}</b>bản ghi kiểm toán</div>
      <div class="card"><b>${bundle.histories.length}</b>lịch sử workflow</div>
      <div class="card"><b>${digests}</b>chữ ký số</div>
      <div class="card"><b>${errors.length}</b>lỗi</div>
    </div>
    <h2>Tải về</h2>
    <ul>
      <li><a href="${base}/export.zip">Bản xuất kiểm toán (.zip)</a>: lịch sử workflow, sổ kiểm toán, chữ ký số.</li>
      <li><a href="${base}/pack.pdf">Hồ sơ chứng cứ của đợt gửi (PDF)</a></li>
    </ul>
    <p class="hint">
      Kiểm tra lại trên máy khác, chỉ với bản xuất và tệp khóa công khai:
      <code>chidao audit verify chidao-${key}-kiem-toan.zip --keyring keyring.json</code>
    </p>
    <h2>Phát hiện (${findings.length})</h2>
    ${
      findings.length
        ? html`<div class="table-wrap">
            <table id="findings">
              <thead>
                <tr>
                  <th scope="col">Mức</th>
                  <th scope="col">Loại</th>
                  <th scope="col" class="num">Seq</th>
                  <th scope="col">Khóa bản ghi</th>
                  <th scope="col">Workflow</th>
                  <th scope="col" class="num">Sự kiện</th>
                  <th scope="col">Khác biệt</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
          </div>`
        : html`<p>Không có phát hiện nào.</p>`
    }
    <h2>Đơn vị (${units.length})</h2>
    <div class="table-wrap">
      <table id="audit-units">
        <thead>
          <tr>
            <th scope="col">Mã</th>
            <th scope="col" class="num">Bản ghi</th>
            <th scope="col">Dòng thời gian</th>
            <th scope="col">Hồ sơ chứng cứ</th>
          </tr>
        </thead>
        <tbody>
          ${units.map(
            (u) =>
              html`<tr>
                <td>${u}</td>
                <td class="num">${bundle.records.filter((r) => r.unit === u).length}</td>
                <td><a href="/office/run/${key}/unit/${encodeURIComponent(u)}">Xem</a></td>
                <td><a href="${base}/pack.pdf?unit=${encodeURIComponent(u)}">PDF</a></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}
