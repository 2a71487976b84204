import type { DocumentRef } from '../../domain/document';
import { html, type Html } from '../html';
import type { RunForm } from './new-run-fields';

/** What the clerk gave, kept across a refusal and between the preview and the start. */
export interface Draft {
  directive: string;
  document?: Pick<DocumentRef, 'fileName' | 'sha256' | 'size'> | undefined;
  /** The structured form it came from, when it did: "Sửa lại" brings it back. */
  form?: RunForm | undefined;
}

/** Refusals by the form field they are about. */
export interface DraftErrors {
  document?: string | undefined;
  directive?: string | undefined;
  general?: string | undefined;
}

const kib = (n: number) => `${Math.ceil(n / 1024).toLocaleString('vi-VN')} KiB`;

const fieldError = (id: string, message?: string) =>
  message ? html`<p class="field-error" id="${id}-error">${message}</p>` : '';

/** The file input of the signed document: what was uploaded already (then not required again), its error. */
export function documentInput(doc: Draft['document'], error?: string): Html {
  return html`${
      doc
        ? html`<p class="hint">
            Đã tải lên: ${doc.fileName} (${kib(doc.size)}, SHA-256 ${doc.sha256.slice(0, 16)}…). Chọn tệp khác để thay.
          </p>`
        : ''
    }<input
      id="document"
      name="document"
      type="file"
      accept=".pdf,.docx,.odt"
      ${doc ? '' : html`required`}
      ${error ? html`aria-invalid="true" aria-describedby="document-error"` : ''}
    />${fieldError('document', error)}`;
}

/** The hidden fields that carry an uploaded document to the next step, so it is not uploaded twice. */
export const keptDocument = (d?: Draft['document']) =>
  d
    ? html`<input type="hidden" name="documentSha" value="${d.sha256}" /><input
          type="hidden"
          name="documentName"
          value="${d.fileName}"
        />`
    : '';

/**
 * Step one: the signed document and the directive's content (YAML, as the e-office system exports it or
 * as the example file shows). Every refusal sits beside its field; nothing typed or uploaded is lost.
 */
export function newRunForm(
  csrf: string,
  registry: string,
  draft: Draft = { directive: '' },
  errors: DraftErrors = {},
): Html {
  const doc = draft.document;
  return html`${errors.general ? html`<div class="notice bad" role="alert"><p>${errors.general}</p></div>` : ''}
    <p>Danh mục đơn vị đang dùng: <strong>${registry}</strong>.</p>
    <form class="stack" method="post" enctype="multipart/form-data" action="/office/runs/new?csrf=${csrf}">
      ${keptDocument(doc)}
      <label for="document">Văn bản đã ký số (PDF, DOCX hoặc ODT)</label>
      ${documentInput(doc, errors.document)}
      <label for="directive">Nội dung công văn (YAML: số, ký hiệu, trích yếu, nhiệm vụ, nơi nhận, thời hạn)</label>
      <textarea
        id="directive"
        name="directive"
        rows="20"
        required
        spellcheck="false"
        ${errors.directive ? html`aria-invalid="true" aria-describedby="directive-error"` : ''}
      >
${draft.directive}</textarea>
      ${errors.directive ? html`<pre class="field-error" id="directive-error">${errors.directive}</pre>` : ''}
      <button type="submit">Xem trước</button>
    </form>`;
}

/**
 * Step two: what will happen, before anything does: the plan (recipients, deadlines with their weekday
 * and why) and the dispatch email as a unit will read it; then "Bắt đầu gửi".
 */
export function previewView(csrf: string, draft: Draft, plan: string, email: { subject: string; text: string }): Html {
  return html`<div class="notice" role="status">
      <p>Chưa gửi gì. Kiểm tra kế hoạch dưới đây rồi bấm <strong>Bắt đầu gửi</strong>.</p>
    </div>
    ${
      draft.document
        ? html`<p>
            Văn bản ký số đính kèm mọi thư: <strong>${draft.document.fileName}</strong> (${kib(draft.document.size)},
            SHA-256 <code>${draft.document.sha256}</code>).
          </p>`
        : ''
    }
    <h2>Kế hoạch</h2>
    <pre class="plan">${plan}</pre>
    <h2>Thư gửi đơn vị (đơn vị thực hiện đầu tiên)</h2>
    <p><strong>${email.subject}</strong></p>
    <pre class="plan">${email.text}</pre>
    <form class="stack" method="post" action="/office/runs/start">
      <input type="hidden" name="csrf" value="${csrf}" />${keptDocument(draft.document)}
      <textarea name="directive" hidden>${draft.directive}</textarea>
      <button type="submit">Bắt đầu gửi</button>
    </form>
    <form class="stack" method="post" enctype="multipart/form-data" action="/office/runs/new?csrf=${csrf}&amp;edit=1">
      ${keptDocument(draft.document)}
      ${
        draft.form
          ? html`<input type="hidden" name="mode" value="form" /><input
                type="hidden"
                name="formState"
                value="${JSON.stringify(draft.form)}"
              />`
          : html`<textarea name="directive" hidden>${draft.directive}</textarea>`
      }
      <button type="submit" class="secondary">Sửa lại</button>
    </form>`;
}
