import type { FastifyInstance } from 'fastify';
import { CORRECTION_LABEL, pendingVersion, versionLabel } from '../../domain/correction';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { vnDateTime } from '../../domain/vn-format';
import { PageError, sendPage, type WebDeps } from '../context';
import { formText, linkQuery } from '../forms-schema';
import { html } from '../html';
import { unitKit } from './link';
import { reportRoutes } from './report';
import { OPEN_STAGES } from './view';
import { sendSignedDocument } from '../signed-document';

/**
 * The pages a unit reaches from the signed links in its email. GET only shows; every change is a POST
 * (mail scanners open links, and must not acknowledge for the unit), handed to the Office service.
 */
export function unitPages(app: FastifyInstance, deps: WebDeps): void {
  const { office } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const k = unitKit(deps);
  const query = { querystring: linkQuery };
  const documentQuery = linkQuery.extend({ v: z.coerce.number().int().min(2).max(11).optional() });

  r.get('/u/acknowledge', { schema: query }, async (req, reply) => {
    const v = await k.seen(await k.load(req.query.t ?? '', ['acknowledge']), req);
    // After a correction the unit acknowledges the new version, though it had acknowledged the one before.
    const pending = pendingVersion(v.unit.corrections);
    const already = v.unit.acknowledgedAt !== undefined && !pending;
    // requireView: the signed file must be opened first; say so before the button, with the file's link.
    const directive = already ? undefined : await office.directive(v.claims.run);
    const mustOpen =
      directive?.policy.requireView && directive.document && v.unit.documentOpenedAt === undefined
        ? html`<div class="notice bad" role="alert">
            <p>
              Văn bản này yêu cầu đơn vị mở văn bản đã ký số trước khi xác nhận:
              <a href="/u/document?t=${encodeURIComponent(v.token)}">${directive.document.fileName}</a>. Mở tệp, đọc,
              rồi quay lại trang này để xác nhận.
            </p>
          </div>`
        : '';
    return sendPage(
      reply,
      'Xác nhận đã nhận văn bản',
      html`${k.facts(v.run, v.unit)}
      ${
        already
          ? html`<div class="notice ok" role="status">
              <p>Đơn vị đã xác nhận nhận văn bản lúc ${vnDateTime(v.unit.acknowledgedAt!)}. Không cần làm gì thêm.</p>
            </div>`
          : html`${mustOpen}
              <form class="stack" method="post" action="${k.selfAction('/u/acknowledge', v)}">
                <p>
                  Bấm nút dưới đây để xác nhận <strong>${v.unit.unit.name}</strong> đã nhận
                  ${pending ? versionLabel(pending) : 'văn bản'} số ${v.run.ref}.
                </p>
                <button type="submit">Xác nhận đã nhận văn bản</button>
              </form>`
      }
      ${k.statusLink(v)}`,
    );
  });

  r.post('/u/acknowledge', { ...k.perUnit, schema: query }, async (req, reply) => {
    const v = await k.load(req.query.t ?? '', ['acknowledge']);
    const b = await office.acknowledge({ ...k.ref(v), by: k.actor(v, req) });
    const pending = pendingVersion(v.unit.corrections);
    const message = pending
      ? `Đã ghi nhận: ${b.unit.name} đã nhận ${versionLabel(pending)} số ${v.run.ref}. Xin cảm ơn.`
      : `Đã ghi nhận: ${b.unit.name} đã nhận văn bản số ${v.run.ref} lúc ${vnDateTime(b.acknowledgedAt!)}. Xin cảm ơn.`;
    return k.done(reply, v, b, 'Đã xác nhận', message);
  });

  r.post(
    '/u/difficulty',
    { ...k.perUnit, bodyLimit: 64 * 1024, schema: { ...query, body: z.object({ text: formText }).loose() } },
    async (req, reply) => {
      const v = await k.load(req.query.t ?? '', ['report']);
      const text = req.body.text;
      const res = await k.orForm(reply, v, 'Phản ánh vướng mắc', { difficulty: text }, () =>
        office.raiseDifficulty({ ...k.ref(v), by: k.actor(v, req), text }),
      );
      if (!res.ok) return res.reply;
      const message = `Vướng mắc số ${res.value.id} đã được chuyển tới Văn phòng; câu trả lời sẽ được gửi qua thư điện tử.`;
      return k.done(reply, v, v.unit, 'Đã gửi vướng mắc', message);
    },
  );

  r.post(
    '/u/extension',
    {
      ...k.perUnit,
      bodyLimit: 64 * 1024,
      schema: { ...query, body: z.object({ until: formText, reason: formText }).loose() },
    },
    async (req, reply) => {
      const v = await k.load(req.query.t ?? '', ['report']);
      const kept = { until: req.body.until.slice(0, 40), reason: req.body.reason };
      const res = await k.orForm(reply, v, 'Đề nghị gia hạn', kept, () =>
        office.requestExtension({ ...k.ref(v), by: k.actor(v, req), until: kept.until, reason: kept.reason }),
      );
      if (!res.ok) return res.reply;
      const message = 'Đề nghị gia hạn đã được chuyển tới Văn phòng; quyết định sẽ được gửi qua thư điện tử.';
      return k.done(reply, v, res.value, 'Đã gửi đề nghị gia hạn', message);
    },
  );

  r.get('/u/status', { schema: query }, async (req, reply) => {
    const v = await k.seen(await k.load(req.query.t ?? '', ['status', 'acknowledge', 'report']), req);
    const s = v.unit;
    const title = (id: string) => v.run.reports?.find((r) => r.id === id)?.title ?? id;
    const unacknowledged =
      (s.acknowledgedAt === undefined && s.stage === 'dispatched') || !!pendingVersion(s.corrections);
    const ack = unacknowledged ? k.linkTo(v, 'acknowledge') : undefined;
    const report = OPEN_STAGES(s.stage) ? k.linkTo(v, 'report') : undefined;
    const signed = (await deps.office.directive(v.claims.run)).document;
    return sendPage(
      reply,
      'Tình trạng thực hiện',
      html`${k.facts(v.run, s)}
        ${
          signed
            ? html`<p>
                Văn bản đã ký số: <a href="/u/document?t=${encodeURIComponent(v.token)}">${signed.fileName}</a>
                <span class="hint">(SHA-256 ${signed.sha256})</span>
              </p>`
            : ''
        }
        ${(s.corrections ?? []).map(
          (c) =>
            html`<p>
              ${CORRECTION_LABEL[c.kind]} (phiên bản ${c.version}, ${vnDateTime(c.at)}):
              ${c.changes}${
                c.document
                  ? html` —
                      <a href="/u/document?t=${encodeURIComponent(v.token)}&amp;v=${c.version}"
                        >${c.document.fileName}</a
                      >`
                  : ''
              }
            </p>`,
        )}
        ${ack || report ? html`<p>${ack ? html`<a class="button" href="${ack}">Xác nhận đã nhận văn bản</a> ` : ''}${report ? html`<a href="${report}">Gửi báo cáo / phản ánh vướng mắc</a>` : ''}</p>` : ''}
        <h2>Báo cáo đã gửi</h2>
        ${
          s.reports.length
            ? html`<ul>
                ${s.reports.map((r) => html`<li>${title(r.obligation)}${r.cycle ? ` (kỳ ${r.cycle + 1})` : ''}: gửi lúc ${vnDateTime(r.submittedAt)}${r.fileName ? ` — tệp ${r.fileName}` : ''}${r.verdict === 'accepted' ? ' — đã được chấp nhận' : r.verdict === 'returned' ? ` — bị trả lại: ${r.verdictReason ?? ''}` : ''}</li>`)}
              </ul>`
            : html`<p>Chưa có.</p>`
        }
        <h2>Vướng mắc</h2>
        ${
          s.difficulties.length
            ? html`<ul>
                ${s.difficulties.map((d) => html`<li><strong>Số ${d.id}</strong> (${vnDateTime(d.raisedAt)}): ${d.text}${d.answer ? html`<br />Văn phòng trả lời (${vnDateTime(d.answer.at)}): ${d.answer.text}` : html`<br /><em>Đang chờ trả lời.</em>`}</li>`)}
              </ul>`
            : html`<p>Chưa có.</p>`
        }
        ${
          s.extensions.length
            ? html`<h2>Gia hạn</h2>
                <ul>
                  ${s.extensions.map((x) => html`<li>Gia hạn đến ${vnDateTime(x.until)} (${x.reason})</li>`)}
                </ul>`
            : ''
        }`,
    );
  });

  // The very file that was signed, for any of the unit's links.
  r.get('/u/document', { ...k.perUnit, schema: { querystring: documentQuery } }, async (req, reply) => {
    const v = await k.seen(await k.load(req.query.t ?? '', ['status', 'acknowledge', 'report']), req, {
      document: true,
    });
    // A correction's file only for a unit it was sent to.
    const version = req.query.v;
    if (version && !v.unit.corrections?.some((c) => c.version === version))
      throw new PageError(404, 'Không có phiên bản này', `Đơn vị chưa được gửi phiên bản ${version} của văn bản.`);
    return sendSignedDocument(reply, deps, v.claims.run, version);
  });

  reportRoutes(app, deps, k);
}
