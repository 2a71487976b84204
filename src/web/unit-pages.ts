import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { deadlineSchema } from '../domain/policy';
import { LIMITS, STAGE_LABEL, type Actor, type UnitBrief, type UnitSnapshot } from '../domain/unit-state';
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
import { errorPage, explainError, field, PageError, sendPage, visitor, type WebDeps } from './context';
import { html, type Html } from './html';
import { linkAllows, type LinkAction, type LinkClaims } from './links';
import { ACCEPT_ATTRIBUTE, checkQuota, discardUpload, incomingDir, keepUpload, receiveUpload, sizeText, UploadRefused, type PendingUpload } from './uploads';

/**
 * The pages a unit reaches from the signed links in its email. GET only shows; every change is a POST
 * (mail scanners open links, and must not acknowledge for the unit), sent to the workflow as an Update.
 */

const LINK_REFUSED: Record<'malformed' | 'forged' | 'expired' | 'wrong-action' | 'replaced', PageError> = {
  malformed: new PageError(400, 'Liên kết không hợp lệ', 'Liên kết này không đầy đủ hoặc đã bị cắt. Hãy mở lại đúng liên kết trong thư điện tử của văn bản.'),
  forged: new PageError(403, 'Liên kết không hợp lệ', 'Liên kết này không do hệ thống cấp hoặc đã bị sửa đổi, nên không được chấp nhận. Không có thay đổi nào được ghi nhận.'),
  expired: new PageError(410, 'Liên kết đã hết hạn', 'Liên kết này đã hết hạn. Đề nghị liên hệ Văn phòng (theo thông tin liên hệ trong văn bản) để được cấp lại hoặc ghi nhận thay.'),
  'wrong-action': new PageError(403, 'Liên kết không dùng cho việc này', 'Liên kết này không dùng cho thao tác vừa yêu cầu. Hãy dùng đúng liên kết trong thư.'),
  replaced: new PageError(
    410,
    'Liên kết đã được thay thế',
    'Địa chỉ thư điện tử của đơn vị đã được Văn phòng cập nhật, nên liên kết gửi tới địa chỉ cũ không còn dùng được. Hãy dùng liên kết trong thư gửi tới địa chỉ hiện tại của đơn vị.',
  ),
};

/** What the unit's forms keep when they come back with an error: nothing typed is lost. */
interface Kept {
  error?: string;
  text?: string;
  difficulty?: string;
  until?: string;
  reason?: string;
}

interface UnitView {
  claims: LinkClaims;
  token: string;
  run: RunStatus;
  unit: UnitSnapshot;
}

const REPORTABLE = ['dispatched', 'acknowledged', 'returned'];
const OPEN_STAGES = (stage: string) => !['recalled', 'closed', 'done', 'failed'].includes(stage);

export function registerUnitPages(app: FastifyInstance, deps: WebDeps): void {
  const { client, links, config, now } = deps;
  const uploadsRoot = join(config.CHIDAO_DATA_DIR, 'uploads');

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
    // Links mailed to an address the Office has since corrected stop working.
    if ((unit.linkGeneration ?? 0) !== claims.gen) throw LINK_REFUSED.replaced;
    return { claims, token, run, unit };
  }

  /** Per unit, so one link holder cannot flood the Office; by address for links that do not verify. */
  const perUnit: RouteShorthandOptions = {
    config: {
      rateLimit: {
        max: 20,
        timeWindow: '1 minute',
        keyGenerator: (req: FastifyRequest) => {
          const v = links.verify(String((req.query as Record<string, unknown>).t ?? ''), now());
          return v.ok ? `unit:${v.claims.run}/${v.claims.unit}` : `ip:${req.ip}`;
        },
      },
    },
  };

  const actor = (v: UnitView, req: FastifyRequest): Actor => ({ channel: 'link', by: v.unit.unit.name, ...visitor(req) });
  /**
   * A sibling link for the same unit and expiry, only for what this link itself allows: a status link
   * never hands out an acknowledgement or report link.
   */
  const linkTo = (v: UnitView, action: LinkAction): string | undefined =>
    linkAllows(v.claims, action) ? `/u/${action}?t=${links.token({ ...v.claims, action })}` : undefined;
  const selfAction = (path: string, v: UnitView) => `${path}?t=${encodeURIComponent(v.token)}`;
  const statusLink = (v: UnitView) => html`<p><a href="${linkTo(v, 'status')!}">Xem tình trạng và thời hạn của đơn vị</a></p>`;

  function facts(run: RunStatus, s: UnitBrief): Html {
    const reportTitle = run.reports?.[s.reportIndex]?.title ?? 'Báo cáo kết quả thực hiện';
    return html`<dl class="facts">
<dt>Văn bản</dt><dd>Số ${run.ref}: ${run.subject}</dd>
<dt>Đơn vị</dt><dd>${s.unit.name}</dd>
<dt>Tình trạng</dt><dd><span class="badge ${s.overdue ? 'bad' : s.stage === 'done' ? 'ok' : ''}">${STAGE_LABEL[s.stage]}${s.overdue ? ' — quá hạn' : ''}</span></dd>
${s.ackDeadline !== undefined ? html`<dt>Hạn xác nhận</dt><dd>${vnDateTime(s.ackDeadline)}${s.acknowledgedAt !== undefined ? html` (đã xác nhận lúc ${vnDateTime(s.acknowledgedAt)})` : ''}</dd>` : ''}
${s.reportDeadline !== undefined ? html`<dt>Hạn ${reportTitle.toLowerCase()}</dt><dd>${vnDateTime(s.reportDeadline)}</dd>` : ''}
</dl>`;
  }

  async function handle(req: FastifyRequest, reply: FastifyReply, fn: () => Promise<FastifyReply>): Promise<FastifyReply> {
    try {
      return await fn();
    } catch (e) {
      const v = links.verify(String((req.query as Record<string, unknown>).t ?? ''), now());
      const pe = await explainError(e, client, v.ok ? v.claims.run : undefined, v.ok ? v.claims.unit : undefined);
      if (pe) return errorPage(reply, pe);
      throw e;
    }
  }

  /** A refusal by the workflow (a limit, a stage) brings the form back with what was typed. */
  async function refusedForm(e: unknown, reply: FastifyReply, v: UnitView, title: string, kept: Kept): Promise<FastifyReply> {
    if (!(e instanceof WorkflowUpdateFailedError)) throw e;
    const pe = await explainError(e, client, v.claims.run, v.claims.unit);
    if (!pe) throw e;
    return sendPage(reply, title, reportForm(v, { ...kept, error: `${pe.message} Chưa có thay đổi nào được ghi nhận.` }), { status: pe.status });
  }

  const done = (reply: FastifyReply, v: UnitView, brief: UnitBrief, title: string, message: string) =>
    sendPage(reply, title, html`<div class="notice ok" role="status"><p>${message}</p></div>${facts(v.run, brief)}${statusLink(v)}`);

  app.get('/u/acknowledge', (req, reply) =>
    handle(req, reply, async () => {
      const v = await load(req, ['acknowledge']);
      const already = v.unit.acknowledgedAt !== undefined;
      return sendPage(
        reply,
        'Xác nhận đã nhận văn bản',
        html`${facts(v.run, v.unit)}
${already
  ? html`<div class="notice ok" role="status"><p>Đơn vị đã xác nhận nhận văn bản lúc ${vnDateTime(v.unit.acknowledgedAt!)}. Không cần làm gì thêm.</p></div>`
  : html`<form class="stack" method="post" action="${selfAction('/u/acknowledge', v)}">
<p>Bấm nút dưới đây để xác nhận <strong>${v.unit.unit.name}</strong> đã nhận văn bản số ${v.run.ref}.</p>
<button type="submit">Xác nhận đã nhận văn bản</button></form>`}
${statusLink(v)}`,
      );
    }),
  );

  app.post('/u/acknowledge', perUnit, (req, reply) =>
    handle(req, reply, async () => {
      const v = await load(req, ['acknowledge']);
      const h = client.workflow.getHandle(unitWorkflowId(v.claims.run, v.claims.unit));
      const b = await h.executeUpdate(acknowledgeUpdate, { args: [actor(v, req)] });
      return done(reply, v, b, 'Đã xác nhận', `Đã ghi nhận: ${b.unit.name} đã nhận văn bản số ${v.run.ref} lúc ${vnDateTime(b.acknowledgedAt!)}. Xin cảm ơn.`);
    }),
  );

  function reportForm(v: UnitView, kept: Kept = {}): Html {
    const s = v.unit;
    const title = v.run.reports?.[s.reportIndex]?.title ?? 'Báo cáo kết quả thực hiện';
    const canReport = REPORTABLE.includes(s.stage) && (v.run.reports?.length ?? 0) > 0;
    return html`${facts(v.run, s)}
${kept.error ? html`<div class="notice bad" role="alert"><p>${kept.error}</p></div>` : ''}
${s.stage === 'reported' ? html`<div class="notice" role="status"><p>Báo cáo của đơn vị đang chờ Văn phòng xem xét.</p></div>` : ''}
${canReport
  ? html`<h2>${title}</h2>
<form class="stack" method="post" enctype="multipart/form-data" action="${selfAction('/u/report', v)}">
<label for="text">Nội dung báo cáo</label>
<textarea id="text" name="text" maxlength="${LIMITS.reportText}" aria-describedby="text-hint" required>${kept.text ?? ''}</textarea>
<span id="text-hint" class="hint">Tối đa ${LIMITS.reportText.toLocaleString('vi-VN')} ký tự; nội dung dài hơn xin gửi kèm tệp.</span>
<label for="file">Tệp báo cáo (không bắt buộc)</label>
<input id="file" name="file" type="file" accept="${ACCEPT_ATTRIBUTE}" aria-describedby="file-hint">
<span id="file-hint" class="hint">PDF, Word, Excel, OpenDocument hoặc ảnh chụp; tối đa ${sizeText(config.CHIDAO_UPLOAD_MAX_BYTES)}.</span>
<button type="submit">Gửi báo cáo</button></form>`
  : ''}
${OPEN_STAGES(s.stage)
  ? html`<h2>Phản ánh khó khăn, vướng mắc</h2>
<form class="stack" method="post" action="${selfAction('/u/difficulty', v)}">
<label for="difficulty">Nội dung vướng mắc</label>
<textarea id="difficulty" name="text" maxlength="${LIMITS.difficultyText}" required>${kept.difficulty ?? ''}</textarea>
<button type="submit" class="secondary">Gửi tới Văn phòng</button></form>
<h2>Đề nghị gia hạn</h2>
<form class="stack" method="post" action="${selfAction('/u/extension', v)}">
<label for="until">Đề nghị gia hạn đến ngày</label>
<input id="until" name="until" type="date" value="${kept.until ?? ''}" required>
<label for="reason">Lý do</label>
<input id="reason" name="reason" type="text" maxlength="${LIMITS.reason}" value="${kept.reason ?? ''}" required>
<button type="submit" class="secondary">Gửi đề nghị</button></form>`
  : ''}
${statusLink(v)}`;
  }

  app.get('/u/report', (req, reply) =>
    handle(req, reply, async () => sendPage(reply, 'Báo cáo kết quả thực hiện', reportForm(await load(req, ['report'])))),
  );

  app.post('/u/report', perUnit, (req, reply) =>
    handle(req, reply, async () => {
      const v = await load(req, ['report']);
      const page = (kept: Kept, status: number) => sendPage(reply, 'Báo cáo kết quả thực hiện', reportForm(v, kept), { status });
      // Refuse before reading the body: a unit that may not report now stores nothing.
      if (!REPORTABLE.includes(v.unit.stage))
        return page({ error: v.unit.stage === 'reported' ? 'Báo cáo trước đang chờ Văn phòng xem xét; chưa thể gửi báo cáo mới.' : 'Đơn vị hiện không có báo cáo nào phải gửi.' }, 409);
      const unitDir = join(uploadsRoot, v.claims.run, v.claims.unit);
      let text = '';
      let upload: PendingUpload | undefined;
      let refused: { message: string; status: number } | undefined;
      try {
        try {
          // A field is cut at fieldSize bytes: 4 bytes a character at most, so a cut text is over the limit.
          for await (const part of req.parts({ limits: { fileSize: config.CHIDAO_UPLOAD_MAX_BYTES, files: 1, fields: 4, fieldSize: 4 * LIMITS.reportText } })) {
            if (part.type === 'file') {
              if (!part.filename || upload) {
                part.file.resume();
                continue;
              }
              try {
                upload = await receiveUpload(part.file, part.filename, incomingDir(uploadsRoot), config.CHIDAO_UPLOAD_MAX_BYTES);
                checkQuota(upload, unitDir, config.CHIDAO_UPLOAD_QUOTA_BYTES);
              } catch (e) {
                if (!(e instanceof UploadRefused)) throw e;
                refused ??= { message: e.message, status: 422 };
              }
            } else if (part.fieldname === 'text') {
              text = String(part.value).normalize('NFC').trim();
              if (part.valueTruncated || text.length > LIMITS.reportText)
                refused ??= { message: `Nội dung báo cáo dài hơn giới hạn ${LIMITS.reportText.toLocaleString('vi-VN')} ký tự; phần dài xin gửi kèm tệp.`, status: 422 };
            }
          }
        } catch (e) {
          const code = (e as { code?: string }).code ?? '';
          // The parser reports an oversized file once more after the part itself was refused.
          if (code === 'FST_REQ_FILE_TOO_LARGE') refused ??= { message: `Tệp lớn hơn giới hạn ${sizeText(config.CHIDAO_UPLOAD_MAX_BYTES)}.`, status: 422 };
          else if (e instanceof UploadRefused) refused ??= { message: e.message, status: 422 };
          // Anything else from the parser is a malformed body (a cut upload, a bad boundary): the
          // visitor's request, not our fault.
          else refused ??= { message: 'Biểu mẫu gửi lên không hợp lệ hoặc bị cắt giữa chừng.', status: 400 };
        }
        // Nothing is lost on a refusal: the form comes back with what was typed.
        if (refused) return page({ text, error: `${refused.message} Báo cáo chưa được gửi.` }, refused.status);
        if (!text) return page({ error: 'Nội dung báo cáo không được để trống. Báo cáo chưa được gửi.' }, 422);
        const h = client.workflow.getHandle(unitWorkflowId(v.claims.run, v.claims.unit));
        let b: UnitBrief;
        try {
          b = await h.executeUpdate(submitReportUpdate, {
            args: [{ by: actor(v, req), text, ...(upload ? { fileName: upload.fileName, sha256: upload.sha256 } : {}) }],
          });
        } catch (e) {
          return await refusedForm(e, reply, v, 'Báo cáo kết quả thực hiện', { text });
        }
        const file = upload;
        if (upload) {
          keepUpload(upload, unitDir);
          upload = undefined;
        }
        return done(reply, v, b, 'Đã gửi báo cáo', `Văn phòng đã nhận báo cáo của ${b.unit.name}${file ? ` kèm tệp "${file.fileName}" (SHA-256 ${file.sha256.slice(0, 12)}…)` : ''}.`);
      } finally {
        // Kept only once the report is recorded; any refusal or failure leaves nothing behind.
        discardUpload(upload);
      }
    }),
  );

  app.post('/u/difficulty', { ...perUnit, bodyLimit: 64 * 1024 }, (req, reply) =>
    handle(req, reply, async () => {
      const v = await load(req, ['report']);
      const text = field(req.body, 'text');
      const page = (error: string, status: number) => sendPage(reply, 'Phản ánh vướng mắc', reportForm(v, { difficulty: text, error }), { status });
      if (!text) return page('Nội dung vướng mắc không được để trống.', 422);
      if (text.length > LIMITS.difficultyText)
        return page(`Nội dung vướng mắc dài ${text.length.toLocaleString('vi-VN')} ký tự, vượt giới hạn ${LIMITS.difficultyText.toLocaleString('vi-VN')} ký tự. Chưa gửi.`, 422);
      const h = client.workflow.getHandle(unitWorkflowId(v.claims.run, v.claims.unit));
      try {
        const { id } = await h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: actor(v, req), text }] });
        return done(reply, v, v.unit, 'Đã gửi vướng mắc', `Vướng mắc số ${id} đã được chuyển tới Văn phòng; câu trả lời sẽ được gửi qua thư điện tử.`);
      } catch (e) {
        return await refusedForm(e, reply, v, 'Phản ánh vướng mắc', { difficulty: text });
      }
    }),
  );

  app.post('/u/extension', { ...perUnit, bodyLimit: 64 * 1024 }, (req, reply) =>
    handle(req, reply, async () => {
      const v = await load(req, ['report']);
      const untilText = field(req.body, 'until').slice(0, 40);
      const reason = field(req.body, 'reason');
      const kept = { until: untilText, reason };
      const page = (error: string, status: number) => sendPage(reply, 'Đề nghị gia hạn', reportForm(v, { ...kept, error }), { status });
      const until = deadlineSchema.safeParse(untilText);
      if (!until.success) return page('Ngày đề nghị gia hạn không hợp lệ.', 422);
      if (!reason) return page('Cần nêu lý do đề nghị gia hạn.', 422);
      if (reason.length > LIMITS.reason) return page(`Lý do dài ${reason.length.toLocaleString('vi-VN')} ký tự, vượt giới hạn ${LIMITS.reason.toLocaleString('vi-VN')} ký tự. Chưa gửi.`, 422);
      const h = client.workflow.getHandle(unitWorkflowId(v.claims.run, v.claims.unit));
      try {
        const b = await h.executeUpdate(requestExtensionUpdate, { args: [{ by: actor(v, req), until: until.data, reason }] });
        return done(reply, v, b, 'Đã gửi đề nghị gia hạn', 'Đề nghị gia hạn đã được chuyển tới Văn phòng; quyết định sẽ được gửi qua thư điện tử.');
      } catch (e) {
        return await refusedForm(e, reply, v, 'Đề nghị gia hạn', kept);
      }
    }),
  );

  app.get('/u/status', (req, reply) =>
    handle(req, reply, async () => {
      const v = await load(req, ['status', 'acknowledge', 'report']);
      const s = v.unit;
      const title = (id: string) => v.run.reports?.find((r) => r.id === id)?.title ?? id;
      const ack = s.acknowledgedAt === undefined && s.stage === 'dispatched' ? linkTo(v, 'acknowledge') : undefined;
      const report = OPEN_STAGES(s.stage) ? linkTo(v, 'report') : undefined;
      return sendPage(
        reply,
        'Tình trạng thực hiện',
        html`${facts(v.run, s)}
${ack || report ? html`<p>${ack ? html`<a class="button" href="${ack}">Xác nhận đã nhận văn bản</a> ` : ''}${report ? html`<a href="${report}">Gửi báo cáo / phản ánh vướng mắc</a>` : ''}</p>` : ''}
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
