import type { FastifyInstance } from 'fastify';
import { sendPage, type WebDeps } from '../context';
import { html } from '../html';
import { vnDateTime } from '../../domain/vn-format';
import type { WorkItem } from '../../office/work-queue';
import { navOf } from './auth';

const KIND: Record<WorkItem['kind'], string> = {
  report: 'Báo cáo chờ duyệt',
  difficulty: 'Vướng mắc chờ trả lời',
  extension: 'Đề nghị gia hạn chờ quyết định',
  overdue: 'Quá hạn',
};

/** "Việc cần làm": what waits on a follow-up officer across the running runs, oldest first. */
export function workRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.get('/office/work', { config: { permission: 'units.follow-up' } }, async (req, reply) => {
    const items = await deps.office.workQueue();
    const body = items.length
      ? html`<div class="table-wrap">
          <table>
            <caption class="hint">
              Trong các đợt gửi đang theo dõi, cũ nhất trước.
            </caption>
            <thead>
              <tr>
                <th scope="col">Việc</th>
                <th scope="col">Đơn vị</th>
                <th scope="col">Đợt gửi</th>
                <th scope="col">Từ</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (i) =>
                  html`<tr data-kind="${i.kind}" data-unit="${i.code}">
                    <td>${KIND[i.kind]}</td>
                    <td><a href="/office/run/${i.key}/unit/${encodeURIComponent(i.code)}">${i.name} (${i.code})</a></td>
                    <td><a href="/office/run/${i.key}">${i.key}</a></td>
                    <td>${i.since ? vnDateTime(i.since) : '—'}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`
      : html`<p>Không có việc nào đang chờ.</p>`;
    // Replies and reports that came by email and wait for a decision are work too.
    const mail = deps.office.inbound().filter((m) => m.state === 'open').length;
    const inbox = mail
      ? html`<div class="notice" role="status">
          <p><a href="/office/inbound">${mail} thư đến đang chờ Văn phòng xử lý</a> (báo cáo gửi qua thư, thư lạ).</p>
        </div>`
      : '';
    return sendPage(reply, 'Việc cần làm', html`${inbox}${body}`, { nav: navOf(req) });
  });
}
