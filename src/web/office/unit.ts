import type { FastifyInstance } from 'fastify';
import { CORRECTION_LABEL } from '../../domain/correction';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { renderTimeline, type TimelineEntry } from '../../audit/timeline';
import { STAGE_LABEL, type UnitSnapshot } from '../../domain/unit-state';
import { vnDateTime } from '../../domain/vn-format';
import { sendPage, type WebDeps } from '../context';
import { csrfBody, formText, unitParams } from '../forms-schema';
import { html, type Html } from '../html';
import type { DeadlineReasons } from '../../office/deadline-reasons';
import type { OfficeSessionCookies } from '../plugins/session';
import { mayAct, navOf, sessionOf, signedBy } from './auth';
import { DONE } from './run-view';
import { recordForms, recordRoutes } from './unit-record';

/** A unit code as it came in the path (%-escapes undone once more, as links are built with encodeURIComponent). */
const codeOf = (code: string) => {
  try {
    return decodeURIComponent(code);
  } catch {
    return code;
  }
};

function unitView(
  key: string,
  code: string,
  s: UnitSnapshot,
  events: TimelineEntry[],
  /** Absent when the person may not follow the unit up: the forms are not shown. */
  csrfField: Html | undefined,
  why: DeadlineReasons,
  done?: string,
  /** The records desk's forms, when the person may record on the unit's behalf. */
  record: Html = html``,
): Html {
  const reason = (text: string | undefined) => (text ? html`<br /><small class="hint">Vì sao: ${text}</small>` : '');
  const open = s.difficulties.filter((d) => !d.answer);
  const base = `/office/run/${key}/unit/${encodeURIComponent(code)}`;
  const active = !['done', 'recalled', 'closed'].includes(s.stage);
  return html`${done ? html`<div class="notice ok" role="status"><p>${done}</p></div>` : ''}
    <p><a href="/office/run/${key}">← Về đợt gửi ${key}</a></p>
    <dl class="facts">
      <dt>Giai đoạn</dt>
      <dd>${STAGE_LABEL[s.stage]}${s.overdue ? html` <span class="badge bad">Quá hạn</span>` : ''}</dd>
      <dt>Thư điện tử</dt>
      <dd>${s.unit.emails.join(', ')}</dd>
      ${
        s.dispatchedAt
          ? html`<dt>Đã gửi</dt>
              <dd>${vnDateTime(s.dispatchedAt)}</dd>`
          : ''
      }
      ${
        s.ackDeadline
          ? html`<dt>Hạn xác nhận</dt>
              <dd>${vnDateTime(s.ackDeadline)}${reason(why.acknowledge)}</dd>`
          : ''
      }
      ${
        s.viewedAt
          ? html`<dt>Đã xem</dt>
              <dd>${vnDateTime(s.viewedAt)} (lần đầu mở trang hoặc văn bản qua đường dẫn)</dd>`
          : ''
      }
      ${
        s.acknowledgedAt
          ? html`<dt>Đã xác nhận</dt>
              <dd>${vnDateTime(s.acknowledgedAt)}</dd>`
          : ''
      }
      ${
        s.reportDeadline
          ? html`<dt>Hạn báo cáo</dt>
              <dd>${vnDateTime(s.reportDeadline)}${reason(why.report)}</dd>`
          : ''
      }
      ${(s.corrections ?? []).map(
        (c) =>
          html`<dt>Phiên bản ${c.version} (${CORRECTION_LABEL[c.kind].toLowerCase()})</dt>
            <dd>
              gửi ${vnDateTime(c.at)};
              ${
                c.acknowledgedAt === undefined
                  ? 'chưa xác nhận'
                  : c.carried
                    ? 'giữ xác nhận của phiên bản trước'
                    : html`đã xác nhận ${vnDateTime(c.acknowledgedAt)}`
              }
            </dd>`,
      )}
      <dt>Nhắc hạn / đôn đốc</dt>
      <dd>${s.remindersSent} lần nhắc, mức đôn đốc ${s.escalationLevel}</dd>
      ${
        s.deliveryError
          ? html`<dt>Lỗi gửi thư</dt>
              <dd>${s.deliveryError}</dd>`
          : ''
      }
      ${
        s.rejectedAddresses?.length
          ? html`<dt>Địa chỉ bị từ chối</dt>
              <dd>
                ${s.rejectedAddresses.join(', ')} — sửa ở mục "Ghi nhận thay đơn vị" bên dưới, hoặc
                <code>chidao address ${key} ${code} &lt;các địa chỉ đúng&gt;</code>
              </dd>`
          : ''
      }
    </dl>
    ${
      s.reports.length
        ? html`<h2>Báo cáo</h2>
            <ul>
              ${s.reports.map((r) => html`<li>${vnDateTime(r.submittedAt)} — ${r.text}${r.fileName && r.sha256 ? html` <a href="${base}/file/${r.sha256}">${r.fileName}</a> <span class="hint">(SHA-256 ${r.sha256.slice(0, 16)}…)</span>` : ''}${r.verdict ? ` — ${r.verdict === 'accepted' ? 'đã chấp nhận' : `đã trả lại: ${r.verdictReason ?? ''}`}` : ''}</li>`)}
            </ul>`
        : ''
    }
    ${
      s.difficulties.length
        ? html`<h2>Vướng mắc</h2>
            <ul>
              ${s.difficulties.map((d) => html`<li>Số ${d.id} (${vnDateTime(d.raisedAt)}): ${d.text}${d.answer ? html`<br />Đã trả lời: ${d.answer.text}` : ''}</li>`)}
            </ul>`
        : ''
    }
    ${
      s.extensionRequests.length
        ? html`<h2>Đề nghị gia hạn</h2>
            <ul>
              ${s.extensionRequests.map((x) => html`<li>${vnDateTime(x.at)}: đến ${vnDateTime(x.until)} — ${x.reason}</li>`)}
            </ul>`
        : ''
    }
    ${
      active && csrfField
        ? html`<h2>Thao tác</h2>
            <div class="actions">
              ${
                s.stage === 'reported'
                  ? html`<form class="stack" method="post" action="${base}/accept">
                        ${csrfField}<button type="submit">Chấp nhận báo cáo</button>
                      </form>
                      <form class="stack" method="post" action="${base}/return">
                        ${csrfField}<label for="return-reason">Lý do trả lại</label
                        ><input id="return-reason" name="reason" type="text" required /><label for="return-due"
                          >Hạn báo cáo lại</label
                        ><input id="return-due" name="due" type="date" required /><button
                          type="submit"
                          class="secondary"
                        >
                          Trả lại báo cáo
                        </button>
                      </form>`
                  : ''
              }
              <form class="stack" method="post" action="${base}/extend">
                ${csrfField}<label for="until">Gia hạn đến ngày</label
                ><input id="until" name="until" type="date" required /><label for="extend-reason">Lý do</label
                ><input id="extend-reason" name="reason" type="text" /><button type="submit">Gia hạn</button>
              </form>
              ${
                open.length
                  ? html`<form class="stack" method="post" action="${base}/answer">
                      ${csrfField}<label for="difficulty">Vướng mắc</label
                      ><select id="difficulty" name="id">
                        ${open.map((d) => html`<option value="${d.id}">Số ${d.id}: ${d.text.slice(0, 60)}</option>`)}</select
                      ><label for="answer">Trả lời</label><textarea id="answer" name="text" required></textarea
                      ><button type="submit">Gửi trả lời</button>
                    </form>`
                  : ''
              }
            </div>`
        : ''
    }
    ${record}
    <h2>Dòng thời gian</h2>
    <ol class="timeline">
      ${renderTimeline(events)
        .split('\n')
        .filter(Boolean)
        .map((line) => html`<li>${line}</li>`)}
    </ol>`;
}

/** One unit: its page with the timeline, and the Office's acts on it (extend, answer, accept, return). */
export function unitRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const { office } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const done = (action: string, key: string, code: string) =>
    `/office/run/${key}/unit/${encodeURIComponent(code)}?done=${action}`;

  r.get(
    '/office/run/:key/unit/:code',
    {
      config: { permission: 'runs.view' },
      schema: { params: unitParams, querystring: z.object({ done: z.string().max(20).optional() }).loose() },
    },
    async (req, reply) => {
      const { key } = req.params;
      const code = codeOf(req.params.code);
      const { state, timeline, why } = await office.unitWithTimeline(key, code);
      const csrfField = mayAct(req, 'units.follow-up')
        ? html`<input type="hidden" name="csrf" value="${sessions.csrf(sessionOf(req))}" />`
        : undefined;
      const record = mayAct(req, 'units.record')
        ? recordForms(
            `/office/run/${key}/unit/${encodeURIComponent(code)}`,
            state,
            html`<input type="hidden" name="csrf" value="${sessions.csrf(sessionOf(req))}" />`,
          )
        : undefined;
      const body = unitView(key, code, state, timeline, csrfField, why, DONE[req.query.done ?? ''], record);
      return sendPage(reply, `${state.unit.name} (${code})`, body, { nav: navOf(req) });
    },
  );

  const body = csrfBody.extend({ until: formText, due: formText, reason: formText, text: formText, id: formText });
  const opts = { config: { permission: 'units.follow-up' as const }, schema: { params: unitParams, body } };
  r.post('/office/run/:key/unit/:code/extend', opts, async (req, reply) => {
    const [key, unit, by] = [req.params.key, codeOf(req.params.code), signedBy(req)];
    await office.extend({ key, unit, by, until: req.body.until, reason: req.body.reason });
    return reply.redirect(done('extend', key, unit), 303);
  });
  r.post('/office/run/:key/unit/:code/answer', opts, async (req, reply) => {
    const [key, unit, by] = [req.params.key, codeOf(req.params.code), signedBy(req)];
    await office.answer({ key, unit, by, text: req.body.text, id: req.body.id });
    return reply.redirect(done('answer', key, unit), 303);
  });
  r.post('/office/run/:key/unit/:code/accept', opts, async (req, reply) => {
    const [key, unit, by] = [req.params.key, codeOf(req.params.code), signedBy(req)];
    await office.accept({ key, unit, by });
    return reply.redirect(done('accept', key, unit), 303);
  });
  r.post('/office/run/:key/unit/:code/return', opts, async (req, reply) => {
    const [key, unit, by] = [req.params.key, codeOf(req.params.code), signedBy(req)];
    await office.returnReport({ key, unit, by, reason: req.body.reason, due: req.body.due });
    return reply.redirect(done('return', key, unit), 303);
  });
  recordRoutes(app, deps, codeOf, done);
}
