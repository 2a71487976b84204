import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { draftDocument } from './document-part';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CORRECTION_KINDS, CORRECTION_LABEL, CORRECTION_LIMITS, type CorrectionKind } from '../../domain/correction';
import type { DocumentRef } from '../../domain/document';
import { DocumentRefused, DocumentStore, MAX_DOCUMENT_BYTES } from '../../documents/store';
import type { CorrectionOutcome } from '../../office';
import { OfficeRefusal } from '../../office';
import { sendPage, type WebDeps } from '../context';
import { runParams } from '../forms-schema';
import { html, raw } from '../html';
import type { OfficeSessionCookies } from '../plugins/session';
import { navOf, sessionOf, signedBy } from './auth';

/** What the clerk typed and uploaded, kept when the form comes back with a refusal. */
interface Typed {
  kind: string;
  changes: string;
  document?: DocumentRef | undefined;
}
type Errors = Partial<Record<'kind' | 'changes' | 'document' | 'general', string>>;

const fieldError = (id: string, message?: string) =>
  message ? html`<p class="field-error" id="${id}-error">${message}</p>` : '';

function correctionForm(key: string, csrf: string, t: Typed, e: Errors = {}) {
  const option = (k: CorrectionKind) =>
    html`<option value="${k}" ${raw(t.kind === k ? ' selected' : '')}>${CORRECTION_LABEL[k]}</option>`;
  return html`${e.general ? html`<div class="notice bad" role="alert"><p>${e.general}</p></div>` : ''}
    <p>
      Mọi nơi nhận được gửi phiên bản mới cùng những gì thay đổi. Thời hạn và những gì đơn vị đã gửi giữ nguyên; đơn vị
      đã xác nhận được đề nghị xác nhận lại, trừ khi chính sách giữ xác nhận cũ.
    </p>
    <form
      class="stack"
      method="post"
      enctype="multipart/form-data"
      action="/office/run/${key}/correct?csrf=${encodeURIComponent(csrf)}"
    >
      ${
        t.document
          ? html`<input type="hidden" name="documentSha" value="${t.document.sha256}" /><input
                type="hidden"
                name="documentName"
                value="${t.document.fileName}"
              />
              <p class="hint">Đã tải lên: ${t.document.fileName}. Chọn tệp khác để thay.</p>`
          : ''
      }
      <label for="kind">Loại văn bản</label>
      <select id="kind" name="kind">
        ${CORRECTION_KINDS.map(option)}
      </select>
      ${fieldError('kind', e.kind)}
      <label for="changes">Những gì thay đổi (gửi nguyên văn tới các đơn vị)</label>
      <textarea id="changes" name="changes" rows="6" maxlength="${CORRECTION_LIMITS.changes}" required>
${t.changes}</textarea>
      ${fieldError('changes', e.changes)}
      <label for="document">Văn bản đính chính / thay thế đã ký số (PDF, DOCX, ODT; có thể bỏ trống)</label>
      <input id="document" name="document" type="file" accept=".pdf,.docx,.odt" />
      ${fieldError('document', e.document)}
      <button type="submit">Gửi tới mọi nơi nhận</button>
    </form>
    <p><a href="/office/run/${key}">Quay lại đợt gửi</a></p>`;
}

function outcomeView(key: string, r: CorrectionOutcome) {
  const c = r.correction;
  return html`<div class="notice ok" role="status">
      <p>
        ${CORRECTION_LABEL[c.kind]} phiên bản ${c.version}: ${r.delivered.length} đơn vị đang theo dõi đã nhận,
        ${r.told.length} đơn vị đã hoàn thành được báo qua thư, ${r.refused.length} chưa nhận.
      </p>
    </div>
    ${
      r.refused.length
        ? html`<h2>Chưa nhận</h2>
            <ul>
              ${r.refused.map((x) => html`<li>${x.unit}: ${x.reason}</li>`)}
            </ul>`
        : ''
    }
    <p><a href="/office/run/${key}">Quay lại đợt gửi</a></p>`;
}

/** Đính chính / thay thế from the browser: the form, and the act through the Office service. */
export function correctionRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const config = { permission: 'runs.start' as const };
  const documents = new DocumentStore(deps.config.CHIDAO_DATA_DIR);
  const csrf = (req: FastifyRequest) => sessions.csrf(sessionOf(req));
  const title = 'Đính chính / thay thế văn bản';
  const form = (req: FastifyRequest, reply: FastifyReply, key: string, t: Typed, e: Errors = {}, status = 200) =>
    sendPage(reply, title, correctionForm(key, csrf(req), t, e), { status, nav: navOf(req) });

  r.get('/office/run/:key/correct', { config, schema: { params: runParams } }, async (req, reply) => {
    await deps.office.run(req.params.key); // a run that does not exist (or ended) says so first
    return form(req, reply, req.params.key, { kind: 'dinh-chinh', changes: '' });
  });

  r.post(
    '/office/run/:key/correct',
    { config: { ...config, rateLimit: { max: 30, timeWindow: '15 minutes' } }, schema: { params: runParams } },
    async (req, reply) => {
      const { key } = req.params;
      const t: Typed = { kind: '', changes: '' };
      const e: Errors = {};
      let sha = '';
      let name = '';
      const limits = { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: 5, fieldSize: 64 * 1024 };
      // An oversized file is cut and marked, not thrown, so the form comes back with what was typed
      // (@fastify/multipart reads throwFileSizeLimit per call; its types list it for the plugin only).
      const options = { limits, throwFileSizeLimit: false };
      for await (const part of req.parts(options)) {
        if (part.type === 'file') {
          const got = await draftDocument(part, documents);
          if (got && 'error' in got) e.document = got.error;
          else if (got) t.document = got.document;
        } else if (part.fieldname === 'kind') t.kind = String(part.value).slice(0, 20);
        else if (part.fieldname === 'changes') t.changes = String(part.value);
        else if (part.fieldname === 'documentSha') sha = String(part.value).slice(0, 64);
        else if (part.fieldname === 'documentName') name = String(part.value).slice(0, 255);
      }
      if (!t.document && sha) {
        if (documents.has(sha))
          try {
            t.document = documents.ref(sha, name);
          } catch (err) {
            if (!(err instanceof DocumentRefused)) throw err;
            e.document = err.message;
          }
        else e.document = 'Tệp đã tải lên trước đó không còn trên máy chủ; hãy chọn lại tệp.';
      }
      if (e.document) return form(req, reply, key, t, e, 422);
      // Kept for good before any unit is sent it: a send retried tomorrow must still find the file.
      if (t.document) documents.promote(t.document.sha256);
      try {
        const outcome = await deps.office.correct({
          key,
          by: signedBy(req),
          kind: t.kind as CorrectionKind,
          changes: t.changes,
          ...(t.document ? { document: t.document } : {}),
        });
        return sendPage(reply, title, outcomeView(key, outcome), { nav: navOf(req) });
      } catch (err) {
        if (!(err instanceof OfficeRefusal)) throw err;
        const field = err.field === 'kind' || err.field === 'changes' ? err.field : 'general';
        return form(req, reply, key, t, { [field]: err.message }, err.isInput ? 422 : 409);
      }
    },
  );
}
