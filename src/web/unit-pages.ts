import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deadlineSchema } from '../domain/policy';
import { STAGE_LABEL, type Actor, type UnitSnapshot } from '../domain/unit-state';
import { vnDateTime } from '../domain/vn-format';
import { runWorkflowId, unitWorkflowId } from '../workflows/ids';
import { runStatusQuery, type RunStatus } from '../workflows/dissemination-run';
import {
  acknowledgeUpdate,
  raiseDifficultyUpdate,
  requestExtensionUpdate,
  submitReportUpdate,
  unitStateQuery,
} from '../workflows/unit-lifecycle';
import { errorPage, field, pageErrorOf, PageError, sendPage, visitor, type WebDeps } from './context';
import { html, type Html } from './html';
import type { LinkAction, LinkClaims } from './links';
import { ACCEPT_ATTRIBUTE, sizeText, storeUpload, UploadRefused, type StoredUpload } from './uploads';

/**
 * The pages a unit reaches from the signed links in its email. GET only shows; every change is a POST
 * (mail scanners open links, and must not acknowledge for the unit), sent to the workflow as an Update.
 */

const LINK_REFUSED: Record<'malformed' | 'forged' | 'expired' | 'wrong-action', PageError> = {
  malformed: new PageError(400, 'Liên kết không hợp lệ', 'Liên kết này không đầy đủ hoặc đã bị cắt. Hãy mở lại đúng liên kết trong thư điện tử của văn bản.'),
  forged: new PageError(403, 'Liên kết không hợp lệ', 'Liên kết này không do hệ thống cấp hoặc đã bị sửa đổi, nên không được chấp nhận. Không có thay đổi nào được ghi nhận.'),
  expired: new PageError(410, 'Liên kết đã hết hạn', 'Liên kết này đã hết hạn. Đề nghị liên hệ Văn phòng (theo thông tin liên hệ trong văn bản) để được cấp lại hoặc ghi nhận thay.'),
  'wrong-action': new PageError(403, 'Liên kết không dùng cho việc này', 'Liên kết này không dùng cho thao tác vừa yêu cầu. Hãy dùng đúng liên kết trong thư.'),
};

interface UnitView {
  claims: LinkClaims;
  token: string;
  run: RunStatus;
  unit: UnitSnapshot;
}

export function registerUnitPages(app: FastifyInstance, deps: WebDeps): void {
  const { client, links, config, now } = deps;

  /** The link's claims if it is genuine, unexpired and meant for one of these actions. */
  function claimsOf(req: FastifyRequest, allowed: LinkAction[]): { claims: LinkClaims; token: string } {
    const token = String((req.query as Record<string, unknown>).t ?? '');
    const v = links.verify(token, now());
    if (!v.ok) throw LINK_REFUSED[v.reason];
    if (!allowed.includes(v.claims.action)) throw LINK_REFUSED['wrong-action'];
    return { claims: v.claims, token };
  }

  async function load(req: FastifyRequest, allowed: LinkAction[]): Promise<UnitView> {
    const { claims, token } = claimsOf(req, allowed);
    const [run, unit] = await Promise.all([
      client.workflow.getHandle(runWorkflowId(claims.run)).query(runStatusQuery),
      client.workflow.getHandle(unitWorkflowId(claims.run, claims.unit)).query(unitStateQuery),
    ]);
    return { claims, token, run, unit };
  }

  const actor = (v: UnitView, req: FastifyRequest): Actor => ({ channel: 'link', by: v.unit.unit.name, ...visitor(req) });
  /** Sibling links for the same unit and expiry: whoever holds one link of a unit is that unit. */
  const linkTo = (v: UnitView, action: LinkAction) => `/u/${action}?t=${links.token({ ...v.claims, action })}`;
  const selfAction = (path: string, v: UnitView) => `${path}?t=${encodeURIComponent(v.token)}`;

  function facts(v: UnitView): Html {
    const s = v.unit;
    const reportTitle = v.run.reports?.[s.reportIndex]?.title ?? 'Báo cáo kết quả thực hiện';
    return html`<dl class="facts">
<dt>Văn bản</dt><dd>Số ${v.run.ref}: ${v.run.subject}</dd>
<dt>Đơn vị</dt><dd>${s.unit.name}</dd>
<dt>Tình trạng</dt><dd><span class="badge ${s.overdue ? 'bad' : s.stage === 'done' ? 'ok' : ''}">${STAGE_LABEL[s.stage]}${s.overdue ? ' — quá hạn' : ''}</span></dd>
${s.ackDeadline !== undefined ? html`<dt>Hạn xác nhận</dt><dd>${vnDateTime(s.ackDeadline)}${s.acknowledgedAt !== undefined ? html` (đã xác nhận lúc ${vnDateTime(s.acknowledgedAt)})` : ''}</dd>` : ''}
${s.reportDeadline !== undefined ? html`<dt>Hạn ${reportTitle.toLowerCase()}</dt><dd>${vnDateTime(s.reportDeadline)}</dd>` : ''}
</dl>`;
  }

  async function handle(reply: FastifyReply, fn: () => Promise<FastifyReply>): Promise<FastifyReply> {
    try {
      return await fn();
    } catch (e) {
      const pe = e instanceof PageError ? e : pageErrorOf(e);
      if (pe) return errorPage(reply, pe);
      throw e;
    }
  }

  const done = (reply: FastifyReply, v: UnitView, title: string, message: string) =>
    sendPage(reply, title, html`<div class="notice ok" role="status"><p>${message}</p></div>${facts(v)}<p><a href="${linkTo(v, 'status')}">Xem tình trạng và thời hạn của đơn vị</a></p>`);

  app.get('/u/acknowledge', (req, reply) =>
    handle(reply, async () => {
      const v = await load(req, ['acknowledge']);
      const already = v.unit.acknowledgedAt !== undefined;
      return sendPage(
        reply,
        'Xác nhận đã nhận văn bản',
        html`${facts(v)}
${already
  ? html`<div class="notice ok" role="status"><p>Đơn vị đã xác nhận nhận văn bản lúc ${vnDateTime(v.unit.acknowledgedAt!)}. Không cần làm gì thêm.</p></div>`
  : html`<form class="stack" method="post" action="${selfAction('/u/acknowledge', v)}">
<p>Bấm nút dưới đây để xác nhận <strong>${v.unit.unit.name}</strong> đã nhận văn bản số ${v.run.ref}.</p>
<button type="submit">Xác nhận đã nhận văn bản</button></form>`}
<p><a href="${linkTo(v, 'report')}">Gửi báo cáo kết quả / phản ánh vướng mắc</a></p>`,
      );
    }),
  );

  app.post('/u/acknowledge', (req, reply) =>
    handle(reply, async () => {
      const v = await load(req, ['acknowledge']);
      const h = client.workflow.getHandle(unitWorkflowId(v.claims.run, v.claims.unit));
      v.unit = await h.executeUpdate(acknowledgeUpdate, { args: [actor(v, req)] });
      return done(reply, v, 'Đã xác nhận', `Đã ghi nhận: ${v.unit.unit.name} đã nhận văn bản số ${v.run.ref} lúc ${vnDateTime(v.unit.acknowledgedAt!)}. Xin cảm ơn.`);
    }),
  );

  function reportForm(v: UnitView, kept: { text?: string; error?: string } = {}): Html {
    const s = v.unit;
    const title = v.run.reports?.[s.reportIndex]?.title ?? 'Báo cáo kết quả thực hiện';
    const canReport = ['dispatched', 'acknowledged', 'returned'].includes(s.stage) && (v.run.reports?.length ?? 0) > 0;
    const open = !['recalled', 'closed', 'done'].includes(s.stage);
    return html`${facts(v)}
${kept.error ? html`<div class="notice bad" role="alert"><p>${kept.error}</p></div>` : ''}
${s.stage === 'reported' ? html`<div class="notice" role="status"><p>Báo cáo của đơn vị đang chờ Văn phòng xem xét.</p></div>` : ''}
${canReport
  ? html`<h2>${title}</h2>
<form class="stack" method="post" enctype="multipart/form-data" action="${selfAction('/u/report', v)}">
<label for="text">Nội dung báo cáo</label>
<textarea id="text" name="text" required>${kept.text ?? ''}</textarea>
<label for="file">Tệp báo cáo (không bắt buộc)</label>
<input id="file" name="file" type="file" accept="${ACCEPT_ATTRIBUTE}" aria-describedby="file-hint">
<span id="file-hint" class="hint">PDF, Word, Excel, OpenDocument hoặc ảnh chụp; tối đa ${sizeText(config.CHIDAO_UPLOAD_MAX_BYTES)}.</span>
<button type="submit">Gửi báo cáo</button></form>`
  : ''}
${open
  ? html`<h2>Phản ánh khó khăn, vướng mắc</h2>
<form class="stack" method="post" action="${selfAction('/u/difficulty', v)}">
<label for="difficulty">Nội dung vướng mắc</label>
<textarea id="difficulty" name="text" required></textarea>
<button type="submit" class="secondary">Gửi tới Văn phòng</button></form>
<h2>Đề nghị gia hạn</h2>
<form class="stack" method="post" action="${selfAction('/u/extension', v)}">
<label for="until">Đề nghị gia hạn đến ngày</label>
<input id="until" name="until" type="date" required>
<label for="reason">Lý do</label>
<input id="reason" name="reason" type="text" required>
<button type="submit" class="secondary">Gửi đề nghị</button></form>`
  : ''}
<p><a href="${linkTo(v, 'status')}">Xem tình trạng và thời hạn của đơn vị</a></p>`;
  }

  app.get('/u/report', (req, reply) =>
    handle(reply, async () => sendPage(reply, 'Báo cáo kết quả thực hiện', reportForm(await load(req, ['report'])))),
  );

  app.post('/u/report', (req, reply) =>
    handle(reply, async () => {
      const v = await load(req, ['report']);
      let text = '';
      let upload: StoredUpload | undefined;
      let refused: string | undefined;
      const dir = join(config.CHIDAO_DATA_DIR, 'uploads', v.claims.run, v.claims.unit);
      try {
        for await (const part of req.parts({ limits: { fileSize: config.CHIDAO_UPLOAD_MAX_BYTES, files: 1, fields: 4, fieldSize: 100_000 } })) {
          if (part.type === 'file') {
            if (!part.filename) {
              part.file.resume();
              continue;
            }
            try {
              upload = await storeUpload(part.file, part.filename, dir, config.CHIDAO_UPLOAD_MAX_BYTES);
            } catch (e) {
              if (!(e instanceof UploadRefused)) throw e;
              refused = e.message;
            }
          } else if (part.fieldname === 'text') text = String(part.value).normalize('NFC').trim();
        }
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        // The parser reports an oversized file once more after the part itself was refused.
        if (code === 'FST_REQ_FILE_TOO_LARGE') refused ??= `Tệp lớn hơn giới hạn ${sizeText(config.CHIDAO_UPLOAD_MAX_BYTES)}.`;
        else if (code.startsWith('FST_')) refused ??= 'Biểu mẫu gửi lên không hợp lệ hoặc quá lớn.';
        else throw e;
      }
      // Nothing is lost on a refusal: the form comes back with what was typed.
      if (refused) return sendPage(reply, 'Báo cáo kết quả thực hiện', reportForm(v, { text, error: `${refused} Báo cáo chưa được gửi.` }), { status: 422 });
      if (!text) return sendPage(reply, 'Báo cáo kết quả thực hiện', reportForm(v, { error: 'Nội dung báo cáo không được để trống. Báo cáo chưa được gửi.' }), { status: 422 });
      const h = client.workflow.getHandle(unitWorkflowId(v.claims.run, v.claims.unit));
      v.unit = await h.executeUpdate(submitReportUpdate, {
        args: [{ by: actor(v, req), text, ...(upload ? { fileName: upload.fileName, sha256: upload.sha256 } : {}) }],
      });
      return done(reply, v, 'Đã gửi báo cáo', `Văn phòng đã nhận báo cáo của ${v.unit.unit.name}${upload ? ` kèm tệp "${upload.fileName}" (SHA-256 ${upload.sha256.slice(0, 12)}…)` : ''}.`);
    }),
  );

  app.post('/u/difficulty', (req, reply) =>
    handle(reply, async () => {
      const v = await load(req, ['report']);
      const text = field(req.body, 'text');
      if (!text) return sendPage(reply, 'Phản ánh vướng mắc', reportForm(v, { error: 'Nội dung vướng mắc không được để trống.' }), { status: 422 });
      const h = client.workflow.getHandle(unitWorkflowId(v.claims.run, v.claims.unit));
      const { id } = await h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: actor(v, req), text }] });
      return done(reply, v, 'Đã gửi vướng mắc', `Vướng mắc số ${id} đã được chuyển tới Văn phòng; câu trả lời sẽ được gửi qua thư điện tử.`);
    }),
  );

  app.post('/u/extension', (req, reply) =>
    handle(reply, async () => {
      const v = await load(req, ['report']);
      const until = deadlineSchema.safeParse(field(req.body, 'until'));
      const reason = field(req.body, 'reason');
      if (!until.success || !reason)
        return sendPage(reply, 'Đề nghị gia hạn', reportForm(v, { error: !until.success ? 'Ngày đề nghị gia hạn không hợp lệ.' : 'Cần nêu lý do đề nghị gia hạn.' }), { status: 422 });
      const h = client.workflow.getHandle(unitWorkflowId(v.claims.run, v.claims.unit));
      await h.executeUpdate(requestExtensionUpdate, { args: [{ by: actor(v, req), until: until.data, reason }] });
      return done(reply, v, 'Đã gửi đề nghị gia hạn', 'Đề nghị gia hạn đã được chuyển tới Văn phòng; quyết định sẽ được gửi qua thư điện tử.');
    }),
  );

  app.get('/u/status', (req, reply) =>
    handle(reply, async () => {
      const v = await load(req, ['status', 'acknowledge', 'report']);
      const s = v.unit;
      const title = (id: string) => v.run.reports?.find((r) => r.id === id)?.title ?? id;
      return sendPage(
        reply,
        'Tình trạng thực hiện',
        html`${facts(v)}
<p>${s.acknowledgedAt === undefined && s.stage === 'dispatched' ? html`<a class="button" href="${linkTo(v, 'acknowledge')}">Xác nhận đã nhận văn bản</a> ` : ''}<a href="${linkTo(v, 'report')}">Gửi báo cáo / phản ánh vướng mắc</a></p>
<h2>Báo cáo đã gửi</h2>
${s.reports.length
  ? html`<ul>${s.reports.map((r) => html`<li>${title(r.obligation)}${r.cycle ? ` (kỳ ${r.cycle + 1})` : ''}: gửi lúc ${vnDateTime(r.submittedAt)}${r.fileName ? ` — tệp ${r.fileName}` : ''}${r.verdict === 'accepted' ? ' — đã được chấp nhận' : r.verdict === 'returned' ? ` — bị trả lại: ${r.verdictReason ?? ''}` : ''}</li>`)}</ul>`
  : html`<p>Chưa có.</p>`}
<h2>Vướng mắc</h2>
${s.difficulties.length
  ? html`<ul>${s.difficulties.map((d) => html`<li><strong>Số ${d.id}</strong> (${vnDateTime(d.raisedAt)}): ${d.text}${d.answer ? html`<br>Văn phòng trả lời (${vnDateTime(d.answer.at)}): ${d.answer.text}` : html`<br><em>Đang chờ trả lời.</em>`}</li>`)}</ul>`
  : html`<p>Chưa có.</p>`}
${s.extensions.length ? html`<h2>Gia hạn</h2><ul>${s.extensions.map((x) => html`<li>Gia hạn đến ${vnDateTime(x.until)} (${x.reason})</li>`)}</ul>` : ''}`,
      );
    }),
  );
}
