import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorPage, PageError, sendPage, type WebDeps } from '../context';
import { csrfBody } from '../forms-schema';
import { html, type Html } from '../html';
import { vnDateTime } from '../../domain/vn-format';
import { refusalFor } from '../../domain/staff-roles';
import type { InboundOutcome, InboundRecord } from '../../inbound/inbound-log';
import { inboundPermission } from '../../office/inbound';
import type { OfficeSessionCookies } from '../plugins/session';
import { mayAct, navOf, sessionOf, signedBy } from './auth';

const OUTCOME: Record<InboundOutcome, string> = {
  bounced: 'Thư báo lỗi: không gửi được',
  delayed: 'Thư báo chậm chuyển',
  acknowledged: 'Trả lời: đã xác nhận',
  'report-pending': 'Báo cáo qua thư: chờ xác nhận',
  noted: 'Chỉ ghi nhận',
  'foreign-sender': 'Trả lời từ địa chỉ lạ',
  'auth-failed': 'Xác thực thư không đạt',
  unmatched: 'Không khớp văn bản nào',
};

const STATE: Record<InboundRecord['state'], string> = {
  done: 'Đã xử lý tự động',
  open: 'Chờ Văn phòng',
  confirmed: 'Văn phòng đã xác nhận',
  dismissed: 'Văn phòng đã bỏ qua',
};

const SHOWN = 300;
const CONFIRMABLE: InboundOutcome[] = ['foreign-sender', 'auth-failed', 'report-pending'];

const DONE: Record<string, string> = {
  confirmed: 'Đã xác nhận thư; việc của đơn vị đã được ghi nhận.',
  dismissed: 'Đã bỏ qua thư; không ghi nhận gì cho đơn vị.',
};

function row(r: InboundRecord, csrf: Html | undefined, may: (r: InboundRecord) => boolean): Html {
  const unit =
    r.runKey && r.unit ? html`<a href="/office/run/${r.runKey}/unit/${encodeURIComponent(r.unit)}">${r.unit}</a>` : '—';
  const id = html`<input type="hidden" name="id" value="${r.messageId}" />`;
  const acts =
    r.state === 'open' && csrf && may(r)
      ? html`${
            CONFIRMABLE.includes(r.outcome) && r.unit
              ? html`<form method="post" action="/office/inbound/confirm">
                  ${csrf}${id}<button type="submit">Xác nhận</button>
                </form>`
              : ''
          }
          <form method="post" action="/office/inbound/dismiss">
            ${csrf}${id}<button type="submit" class="secondary">Bỏ qua</button>
          </form>`
      : '';
  const files = r.files?.length
    ? html`<br /><span class="hint">Tệp: ${r.files.map((f) => f.fileName).join(', ')}</span>`
    : '';
  return html`<tr data-outcome="${r.outcome}" data-state="${r.state}">
    <td>${vnDateTime(Date.parse(r.at))}</td>
    <td>${OUTCOME[r.outcome]}</td>
    <td>${r.fromName ? `${r.fromName} ` : ''}&lt;${r.from}&gt;<br /><span class="hint">${r.subject}</span></td>
    <td>${unit}</td>
    <td>${r.detail}${files}</td>
    <td>${STATE[r.state]}${r.decidedBy ? html`<br /><span class="hint">${r.decidedBy}</span>` : ''} ${acts}</td>
  </tr>`;
}

/**
 * "Thư đến": what the mailbox reader did with each message, newest first, and the ones it left to the
 * Office — to confirm (the unit's act, by email) or to set aside.
 */
export function inboundRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const may = (req: Parameters<typeof mayAct>[0]) => (rec: InboundRecord) => mayAct(req, inboundPermission(rec));

  r.get(
    '/office/inbound',
    { config: { permission: 'runs.view' }, schema: { querystring: z.object({ done: z.string().max(20).optional() }) } },
    async (req, reply) => {
      const all = deps.office.inbound();
      const open = all.filter((x) => x.state === 'open');
      const shown = [...open, ...all.filter((x) => x.state !== 'open')].slice(0, SHOWN);
      const csrf = html`<input type="hidden" name="csrf" value="${sessions.csrf(sessionOf(req))}" />`;
      const notice = DONE[req.query.done ?? ''];
      const body = html`${notice ? html`<div class="notice good" role="status"><p>${notice}</p></div>` : ''}
        ${
          deps.config.CHIDAO_IMAP_URL
            ? html`<p class="hint">
                Hộp thư được đọc mỗi ${deps.config.CHIDAO_IMAP_POLL_SECONDS} giây; thư đã xử lý được chuyển sang thư mục
                “${deps.config.CHIDAO_IMAP_PROCESSED_FOLDER}”, không bị xóa.
              </p>`
            : html`<p class="hint">Chưa đặt CHIDAO_IMAP_URL: chidao chưa đọc hộp thư của Văn phòng.</p>`
        }
        <p>${open.length} thư chờ Văn phòng; ${all.length} thư trong nhật ký.</p>
        ${
          shown.length
            ? html`<div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Nhận lúc</th>
                      <th scope="col">Loại</th>
                      <th scope="col">Người gửi, tiêu đề</th>
                      <th scope="col">Đơn vị</th>
                      <th scope="col">Chi tiết</th>
                      <th scope="col">Trạng thái</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${shown.map((x) => row(x, csrf, may(req)))}
                  </tbody>
                </table>
              </div>`
            : html`<p>Chưa có thư nào.</p>`
        }`;
      return sendPage(reply, 'Thư đến', body, { nav: navOf(req) });
    },
  );

  const body = csrfBody.extend({ id: z.string().min(1).max(1000) });
  const decide = (action: 'confirm' | 'dismiss') =>
    r.post(
      `/office/inbound/${action}`,
      { config: { permission: 'runs.view' }, schema: { body } },
      async (req, reply) => {
        const rec = deps.office.inbound().find((x) => x.messageId === req.body.id);
        if (rec && !mayAct(req, inboundPermission(rec)))
          return errorPage(reply, new PageError(403, 'Không có quyền', refusalFor(inboundPermission(rec))), navOf(req));
        if (action === 'confirm') await deps.office.confirmInbound(req.body.id, signedBy(req));
        else deps.office.dismissInbound(req.body.id, signedBy(req));
        return reply.redirect(`/office/inbound?done=${action === 'confirm' ? 'confirmed' : 'dismissed'}`, 303);
      },
    );
  decide('confirm');
  decide('dismiss');
}
