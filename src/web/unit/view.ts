import { LIMITS, STAGE_LABEL, type UnitBrief, type UnitSnapshot } from '../../domain/unit-state';
import { vnDateTime } from '../../domain/vn-format';
import type { RunStatus } from '../../workflows/dissemination-run';
import { PageError } from '../context';
import { html, type Html } from '../html';
import { linkAllows, type LinkAction, type LinkClaims, type LinkSigner } from '../../links/signer';
import { ACCEPT_ATTRIBUTE, sizeText } from '../../files/uploads';

/** What a unit's pages show: the facts of its follow-up, and its forms (kept as typed after a refusal). */

export const LINK_REFUSED: Record<'malformed' | 'forged' | 'expired' | 'wrong-action' | 'replaced', PageError> = {
  malformed: new PageError(
    400,
    'Liên kết không hợp lệ',
    'Liên kết này không đầy đủ hoặc đã bị cắt. Hãy mở lại đúng liên kết trong thư điện tử của văn bản.',
  ),
  forged: new PageError(
    403,
    'Liên kết không hợp lệ',
    'Liên kết này không do hệ thống cấp hoặc đã bị sửa đổi, nên không được chấp nhận. Không có thay đổi nào được ghi nhận.',
  ),
  expired: new PageError(
    410,
    'Liên kết đã hết hạn',
    'Liên kết này đã hết hạn. Đề nghị liên hệ Văn phòng (theo thông tin liên hệ trong văn bản) để được cấp lại hoặc ghi nhận thay.',
  ),
  'wrong-action': new PageError(
    403,
    'Liên kết không dùng cho việc này',
    'Liên kết này không dùng cho thao tác vừa yêu cầu. Hãy dùng đúng liên kết trong thư.',
  ),
  replaced: new PageError(
    410,
    'Liên kết đã được thay thế',
    'Địa chỉ thư điện tử của đơn vị đã được Văn phòng cập nhật, nên liên kết gửi tới địa chỉ cũ không còn dùng được. Hãy dùng liên kết trong thư gửi tới địa chỉ hiện tại của đơn vị.',
  ),
};

/** What the unit's forms keep when they come back with an error: nothing typed is lost. */
export interface Kept {
  error?: string;
  text?: string;
  difficulty?: string;
  until?: string;
  reason?: string;
}

export interface UnitView {
  claims: LinkClaims;
  token: string;
  run: RunStatus;
  unit: UnitSnapshot;
}

export const REPORTABLE = ['dispatched', 'acknowledged', 'returned'];
export const OPEN_STAGES = (stage: string) => !['recalled', 'closed', 'done', 'failed'].includes(stage);

/** The pieces of a unit's pages, bound to the link signer and the upload limit. */
export function unitViews(links: LinkSigner, uploadMaxBytes: number) {
  /**
   * A sibling link for the same unit and expiry, only for what this link itself allows: a status link
   * never hands out an acknowledgement or report link.
   */
  const linkTo = (v: UnitView, action: LinkAction): string | undefined =>
    linkAllows(v.claims, action) ? `/u/${action}?t=${links.token({ ...v.claims, action })}` : undefined;
  const selfAction = (path: string, v: UnitView) => `${path}?t=${encodeURIComponent(v.token)}`;
  const statusLink = (v: UnitView) =>
    html`<p><a href="${linkTo(v, 'status')!}">Xem tình trạng và thời hạn của đơn vị</a></p>`;

  function facts(run: RunStatus, s: UnitBrief): Html {
    const reportTitle = run.reports?.[s.reportIndex]?.title ?? 'Báo cáo kết quả thực hiện';
    return html`<dl class="facts">
      <dt>Văn bản</dt>
      <dd>Số ${run.ref}: ${run.subject}</dd>
      <dt>Đơn vị</dt>
      <dd>${s.unit.name}</dd>
      <dt>Tình trạng</dt>
      <dd>
        <span class="badge ${s.overdue ? 'bad' : s.stage === 'done' ? 'ok' : ''}"
          >${STAGE_LABEL[s.stage]}${s.overdue ? ' — quá hạn' : ''}</span
        >
      </dd>
      ${
        s.ackDeadline !== undefined
          ? html`<dt>Hạn xác nhận</dt>
              <dd>
                ${vnDateTime(s.ackDeadline)}${s.acknowledgedAt !== undefined ? html` (đã xác nhận lúc ${vnDateTime(s.acknowledgedAt)})` : ''}
              </dd>`
          : ''
      }
      ${
        s.reportDeadline !== undefined
          ? html`<dt>Hạn ${reportTitle.toLowerCase()}</dt>
              <dd>${vnDateTime(s.reportDeadline)}</dd>`
          : ''
      }
    </dl>`;
  }

  function reportForm(v: UnitView, kept: Kept = {}): Html {
    const s = v.unit;
    const title = v.run.reports?.[s.reportIndex]?.title ?? 'Báo cáo kết quả thực hiện';
    const canReport = REPORTABLE.includes(s.stage) && (v.run.reports?.length ?? 0) > 0;
    return html`${facts(v.run, s)}
    ${kept.error ? html`<div class="notice bad" role="alert"><p>${kept.error}</p></div>` : ''}
    ${s.stage === 'reported' ? html`<div class="notice" role="status"><p>Báo cáo của đơn vị đang chờ Văn phòng xem xét.</p></div>` : ''}
    ${
      canReport
        ? html`<h2>${title}</h2>
            <form class="stack" method="post" enctype="multipart/form-data" action="${selfAction('/u/report', v)}">
              <label for="text">Nội dung báo cáo</label>
              <textarea id="text" name="text" maxlength="${LIMITS.reportText}" aria-describedby="text-hint" required>
${kept.text ?? ''}</textarea>
              <span id="text-hint" class="hint"
                >Tối đa ${LIMITS.reportText.toLocaleString('vi-VN')} ký tự; nội dung dài hơn xin gửi kèm tệp.</span
              >
              <label for="file">Tệp báo cáo (không bắt buộc)</label>
              <input id="file" name="file" type="file" accept="${ACCEPT_ATTRIBUTE}" aria-describedby="file-hint" />
              <span id="file-hint" class="hint"
                >PDF, Word, Excel, OpenDocument hoặc ảnh chụp; tối đa ${sizeText(uploadMaxBytes)}.</span
              >
              <button type="submit">Gửi báo cáo</button>
            </form>`
        : ''
    }
    ${
      OPEN_STAGES(s.stage)
        ? html`<h2>Phản ánh khó khăn, vướng mắc</h2>
            <form class="stack" method="post" action="${selfAction('/u/difficulty', v)}">
              <label for="difficulty">Nội dung vướng mắc</label>
              <textarea id="difficulty" name="text" maxlength="${LIMITS.difficultyText}" required>
${kept.difficulty ?? ''}</textarea>
              <button type="submit" class="secondary">Gửi tới Văn phòng</button>
            </form>
            <h2>Đề nghị gia hạn</h2>
            <form class="stack" method="post" action="${selfAction('/u/extension', v)}">
              <label for="until">Đề nghị gia hạn đến ngày</label>
              <input id="until" name="until" type="date" value="${kept.until ?? ''}" required />
              <label for="reason">Lý do</label>
              <input
                id="reason"
                name="reason"
                type="text"
                maxlength="${LIMITS.reason}"
                value="${kept.reason ?? ''}"
                required
              />
              <button type="submit" class="secondary">Gửi đề nghị</button>
            </form>`
        : ''
    }
    ${statusLink(v)}`;
  }

  return { facts, reportForm, statusLink, linkTo, selfAction };
}
