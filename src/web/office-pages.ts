import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readRunRows, readRunTable } from '../client/run-rows';
import { describeMailHealth, readMailHealth } from '../client/mail-health';
import { timeline, renderTimeline } from '../audit/timeline';
import { deadlineSchema } from '../domain/policy';
import { EDXML_STATUS, STAGE_LABEL, type Stage } from '../domain/unit-state';
import { vnDateTime } from '../domain/vn-format';
import { closeUpdate, recallUpdate, type RunStatus } from '../workflows/dissemination-run';
import { runWorkflowId, unitWorkflowId } from '../workflows/ids';
import type { UnitRow } from '../workflows/messages';
import {
  acceptReportUpdate,
  answerDifficultyUpdate,
  extendUpdate,
  returnReportUpdate,
  unitStateQuery,
} from '../workflows/unit-lifecycle';
import { boundedField, errorPage, explainError, field, PageError, sendPage, type WebDeps } from './context';
import { html, raw, type Html } from './html';
import { progressChart } from './progress-chart';
import { safeEqual, type Session, type SessionStore } from './session';
import { LIMITS } from '../domain/unit-state';
import { csv, xlsx, type Cell } from './xlsx';

const SESSION_COOKIE = 'chidao_session';
const LOGIN_COOKIE = 'chidao_login';
const KEY_RE = /^\d{4}-\d+-[A-ZĐ0-9-]+$/;

/** Fixed confirmations after a redirect, so the URL never carries text to show. */
const DONE: Record<string, string> = {
  extend: 'Đã gia hạn; đơn vị được báo qua thư điện tử và lịch nhắc hạn được tính lại.',
  answer: 'Đã gửi câu trả lời tới đơn vị.',
  accept: 'Đã chấp nhận báo cáo.',
  return: 'Đã trả lại báo cáo; đơn vị được báo lý do và hạn báo cáo lại.',
  recall: 'Đã thu hồi văn bản; các đơn vị sẽ được thông báo.',
  close: 'Đã kết thúc đợt gửi; báo cáo tổng hợp sẽ được gửi.',
};

const UNACKNOWLEDGED: Stage[] = ['dispatching', 'dispatched', 'undeliverable'];

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

const MAX_NAME = 200;

/**
 * The Office's dashboard: behind a password and a server-side session, with a CSRF token on every form.
 * The routes that show or change anything live in a plugin of their own whose hook guards every route
 * registered in it, whatever spelling of the URL reached it.
 */
export function registerOfficePages(root: FastifyInstance, deps: WebDeps): void {
  root.register(async (office) => {
    office.addHook('onRequest', async (_req, reply) => {
      if (!deps.sessions)
        return errorPage(reply, new PageError(503, 'Bảng điều khiển chưa bật', 'Quản trị viên cần đặt mật khẩu CHIDAO_OFFICE_PASSWORD (và khóa CHIDAO_SESSION_SECRET) để bật bảng điều khiển của Văn phòng.'));
    });
    loginRoutes(office, deps);
    office.register(async (guarded) => guardedRoutes(guarded, deps, deps.sessions!));
  });
}

const cookieOptions = (deps: WebDeps, path = '/office') => ({
  path,
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: deps.config.CHIDAO_PUBLIC_URL.startsWith('https:'),
});

const nav = (sessions: SessionStore, s?: Session): Html =>
  s
    ? html`<a href="/office">Các đợt gửi</a><span>${s.name}</span><form method="post" action="/office/logout"><input type="hidden" name="csrf" value="${sessions.csrf(s)}"><button type="submit">Đăng xuất</button></form>`
    : html``;

function loginRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { config, now } = deps;
  const sessions = deps.sessions;
  const loginForm = (reply: FastifyReply, next: string, error?: string, status = 200, name = '') => {
    const nonce = randomBytes(16).toString('base64url');
    reply.setCookie(LOGIN_COOKIE, nonce, { ...cookieOptions(deps, '/office/login'), maxAge: 1800 });
    return sendPage(
      reply,
      'Đăng nhập — Văn phòng',
      html`${error ? html`<div class="notice bad" role="alert"><p>${error}</p></div>` : ''}
<form class="stack" method="post" action="/office/login">
<input type="hidden" name="nonce" value="${nonce}"><input type="hidden" name="next" value="${next}">
<label for="name">Họ tên người thao tác</label><input id="name" name="name" type="text" autocomplete="name" maxlength="${MAX_NAME}" value="${name}" required>
<label for="password">Mật khẩu</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Đăng nhập</button></form>`,
      { status },
    );
  };
  const safeNext = (n: string) => (/^\/office(\/|$|\?)/.test(n) && n.length < 500 ? n : '/office');

  app.get('/office/login', async (req, reply) => loginForm(reply, safeNext(String((req.query as Record<string, unknown>).next ?? '/office'))));

  app.post(
    '/office/login',
    // Ten tries per address in 15 minutes, whatever their outcome; the limiter's store is bounded.
    { config: { rateLimit: { max: 10, timeWindow: '15 minutes' } } },
    async (req, reply) => {
      const next = safeNext(field(req.body, 'next'));
      const name = field(req.body, 'name').slice(0, MAX_NAME);
      const nonce = req.cookies[LOGIN_COOKIE] ?? '';
      if (!nonce || !safeEqual(nonce, field(req.body, 'nonce'))) return loginForm(reply, next, 'Phiên đăng nhập đã cũ; hãy nhập lại.', 403, name);
      const password = config.CHIDAO_OFFICE_PASSWORD!;
      if (!safeEqual(field(req.body, 'password'), password) || !name) return loginForm(reply, next, 'Sai mật khẩu hoặc thiếu họ tên.', 401, name);
      reply.setCookie(SESSION_COOKIE, sessions!.create(name, password, now()), { ...cookieOptions(deps), maxAge: 8 * 3600 });
      reply.clearCookie(LOGIN_COOKIE, cookieOptions(deps, '/office/login'));
      return reply.redirect(next, 303);
    },
  );
}

function guardedRoutes(app: FastifyInstance, deps: WebDeps, sessions: SessionStore): void {
  const { client, config, now } = deps;

  // Every route of this plugin needs a live session; every POST needs its CSRF token.
  app.addHook('preHandler', async (req, reply) => {
    const s = sessions.read(req.cookies[SESSION_COOKIE], config.CHIDAO_OFFICE_PASSWORD!, now());
    if (!s) {
      if (req.method === 'GET') return reply.redirect(`/office/login?next=${encodeURIComponent(req.url)}`, 303);
      return errorPage(reply, new PageError(401, 'Cần đăng nhập', 'Phiên làm việc đã hết hoặc đã đăng xuất. Hãy đăng nhập lại.'));
    }
    req.session = s;
    if (req.method === 'POST' && !safeEqual(field(req.body, 'csrf'), sessions.csrf(s)))
      return errorPage(reply, new PageError(403, 'Yêu cầu bị từ chối', 'Biểu mẫu đã cũ hoặc không gửi từ trang của hệ thống (thiếu mã chống giả mạo). Hãy tải lại trang và làm lại.'), nav(sessions, s));
  });

  /** The session a handler acts under; a route that somehow ran without one refuses. */
  const sessionOf = (req: FastifyRequest): Session => {
    if (!req.session) throw new PageError(401, 'Cần đăng nhập', 'Phiên làm việc đã hết hoặc đã đăng xuất. Hãy đăng nhập lại.');
    return req.session;
  };
  const csrfField = (req: FastifyRequest) => html`<input type="hidden" name="csrf" value="${sessions.csrf(sessionOf(req))}">`;

  async function handle(req: FastifyRequest, reply: FastifyReply, fn: () => Promise<FastifyReply>): Promise<FastifyReply> {
    try {
      sessionOf(req);
      return await fn();
    } catch (e) {
      const params = req.params as Record<string, string>;
      const pe = await explainError(e, client, params.key, params.code);
      if (pe) return errorPage(reply, pe, nav(sessions, req.session));
      throw e;
    }
  }

  app.post('/office/logout', async (req, reply) => {
    sessions.destroy(req.cookies[SESSION_COOKIE], now());
    reply.clearCookie(SESSION_COOKIE, cookieOptions(deps));
    return reply.redirect('/office/login', 303);
  });

  // --- runs -----------------------------------------------------------------------------------------

  app.get('/office', (req, reply) =>
    handle(req, reply, async () => {
      const runs: { key: string; status: string; start: Date; close?: Date | undefined }[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowType = 'disseminationRun'` })) {
        runs.push({ key: w.workflowId.replace(/^chidao\//, ''), status: w.status.name, start: w.startTime, close: w.closeTime });
        if (runs.length >= 200) break;
      }
      const label: Record<string, string> = { RUNNING: 'Đang theo dõi', COMPLETED: 'Đã kết thúc', FAILED: 'Lỗi', TERMINATED: 'Bị dừng', CONTINUED_AS_NEW: 'Đang theo dõi' };
      return sendPage(
        reply,
        'Các đợt gửi văn bản',
        runs.length
          ? html`<div class="table-wrap"><table><caption class="hint">Danh sách từ chỉ mục tìm kiếm của Temporal, mới nhất trước.</caption>
<thead><tr><th scope="col">Văn bản</th><th scope="col">Bắt đầu</th><th scope="col">Tình trạng</th></tr></thead>
<tbody>${runs.map((r) => html`<tr><td><a href="/office/run/${r.key}">${r.key}</a></td><td>${vnDateTime(r.start.getTime())}</td><td>${label[r.status] ?? r.status}${r.close ? ` (${vnDateTime(r.close.getTime())})` : ''}</td></tr>`)}</tbody></table></div>`
          : html`<p>Chưa có đợt gửi nào. Bắt đầu bằng <code>chidao start &lt;công văn&gt; --registry &lt;danh mục&gt;</code>.</p>`,
        { nav: nav(sessions, req.session) },
      );
    }),
  );

  function keyParam(req: FastifyRequest): string {
    const key = String((req.params as Record<string, string>).key ?? '');
    if (!KEY_RE.test(key)) throw new PageError(404, 'Không tìm thấy', `Không có đợt gửi "${key}".`);
    return key;
  }

  /** Codes of the run's units that a visibility query on our search attributes selects. */
  async function selectByVisibility(key: string, ref: string, filter: string): Promise<Set<string> | undefined> {
    const condition = filter === 'overdue' ? 'ChidaoOverdue = true' : filter === 'unacknowledged' ? `ChidaoStage IN (${UNACKNOWLEDGED.map((s) => `'${s}'`).join(', ')})` : undefined;
    if (!condition) return undefined;
    const prefix = unitWorkflowId(key, '');
    const codes = new Set<string>();
    const query = `WorkflowType = 'unitLifecycle' AND ChidaoDirective = '${ref.replace(/'/g, '')}' AND ${condition}`;
    for await (const w of client.workflow.list({ query })) if (w.workflowId.startsWith(prefix)) codes.add(w.workflowId.slice(prefix.length));
    return codes;
  }

  interface Filters {
    filter: string;
    province: string;
    region: string;
  }
  const filtersOf = (req: FastifyRequest): Filters => {
    const q = req.query as Record<string, unknown>;
    return { filter: String(q.filter ?? ''), province: String(q.province ?? ''), region: String(q.region ?? '') };
  };

  async function runRows(key: string, f: Filters, read?: { status: RunStatus; rows: UnitRow[] }) {
    const { status, rows } = read ?? (await readRunRows(client, runWorkflowId(key)));
    const selected = config.CHIDAO_SEARCH_ATTRIBUTES ? await selectByVisibility(key, status.ref, f.filter) : undefined;
    const shown = rows.filter(
      (r) =>
        (!f.filter || (selected ? selected.has(r.code) : f.filter === 'overdue' ? r.overdue : UNACKNOWLEDGED.includes(r.stage))) &&
        (!f.province || r.province === f.province) &&
        (!f.region || r.region === f.region),
    );
    return { status, rows, shown };
  }

  const COLUMNS = ['Mã', 'Đơn vị', 'Tỉnh/thành', 'Vùng', 'Giai đoạn', 'edXML', 'Hạn hiện tại', 'Quá hạn', 'Số lần nhắc', 'Mức đôn đốc', 'Xác nhận lúc', 'Báo cáo lúc', 'Vướng mắc chờ trả lời'];
  const cells = (r: UnitRow): Cell[] => [
    r.code,
    r.name,
    r.province,
    r.region,
    STAGE_LABEL[r.stage],
    EDXML_STATUS[r.stage],
    r.deadline ? vnDateTime(r.deadline) : undefined,
    r.overdue ? 'Quá hạn' : '',
    r.remindersSent,
    r.escalationLevel,
    r.acknowledgedAt ? vnDateTime(r.acknowledgedAt) : undefined,
    r.reportedAt ? vnDateTime(r.reportedAt) : undefined,
    r.openDifficulties,
  ];

  app.get('/office/run/:key', (req, reply) =>
    handle(req, reply, async () => {
      const key = keyParam(req);
      const f = filtersOf(req);
      const [table, health] = await Promise.all([readRunTable(client, key), readMailHealth(client, config.CHIDAO_TASK_QUEUE)]);
      const mail = describeMailHealth(health, now());
      const mailNotice = mail ? html`<div class="notice bad" role="alert"><p>${mail}</p></div>` : '';
      if (!table.status) {
        // Without a worker no query answers; visibility still knows each unit's stage and lateness.
        const rows = table.rows;
        return sendPage(
          reply,
          `Đợt gửi ${key}`,
          html`${mailNotice}<div class="notice bad" role="alert"><p>Không có worker nào trả lời kịp (worker dừng, mất kết nối hoặc đang quá tải), nên chưa xem được đầy đủ đợt gửi và chưa thao tác được. Bảng dưới lấy từ chỉ mục tìm kiếm của Temporal (giai đoạn và quá hạn của từng đơn vị). Đề nghị quản trị viên khởi động lại worker chidao.</p></div>
<div class="table-wrap"><table id="units"><thead><tr><th scope="col">Mã</th><th scope="col">Giai đoạn</th></tr></thead>
<tbody>${rows.map((r) => html`<tr class="${r.overdue ? 'overdue' : ''}" data-unit="${r.code}"><td>${r.code}</td><td>${STAGE_LABEL[r.stage]}${r.overdue ? html` <span class="badge bad">Quá hạn</span>` : ''}</td></tr>`)}</tbody></table></div>`,
          { nav: nav(sessions, req.session), status: 503 },
        );
      }
      const { status, rows, shown } = await runRows(key, f, { status: table.status, rows: table.rows });
      const done = DONE[String((req.query as Record<string, unknown>).done ?? '')];
      const count = (p: (r: UnitRow) => boolean) => rows.filter(p).length;
      const provinces = [...new Set(rows.map((r) => r.province).filter(Boolean))].sort() as string[];
      const regions = [...new Set(rows.map((r) => r.region).filter(Boolean))].sort() as string[];
      const qs = new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString();
      const option = (value: string, current: string, label: string) => html`<option value="${value}"${raw(value === current ? ' selected' : '')}>${label}</option>`;
      const stopped = status.stop;
      return sendPage(
        reply,
        `${status.ref} — ${status.subject}`,
        html`${done ? html`<div class="notice ok" role="status"><p>${done}</p></div>` : ''}${mailNotice}
${stopped ? html`<div class="notice bad"><p>${stopped.stage === 'recalled' ? 'Văn bản đã bị thu hồi' : 'Đợt gửi đã kết thúc'}.</p></div>` : ''}
<div class="cards">
<div class="card"><b>${rows.length}</b>đơn vị thực hiện</div>
<div class="card"><b>${count((r) => r.acknowledgedAt !== undefined)}</b>đã xác nhận</div>
<div class="card"><b>${count((r) => r.reports > 0)}</b>đã báo cáo</div>
<div class="card"><b>${count((r) => r.stage === 'done')}</b>hoàn thành</div>
<div class="card"><b>${count((r) => r.overdue)}</b>quá hạn</div>
<div class="card"><b>${status.info.length}</b>nơi nhận để biết</div>
</div>
<h2>Tiến độ</h2>
<div class="chart">${raw(
          progressChart({
            total: rows.length,
            from: status.startedAt,
            to: Math.max(now(), status.startedAt + 60_000),
            acknowledged: rows.flatMap((r) => (r.acknowledgedAt ? [r.acknowledgedAt] : [])),
            reported: rows.flatMap((r) => (r.reportedAt ? [r.reportedAt] : [])),
          }),
        )}</div>
<h2>Đơn vị thực hiện</h2>
<form class="filters" method="get" action="/office/run/${key}">
<label>Lọc<select name="filter">${option('', f.filter, 'Tất cả')}${option('overdue', f.filter, 'Quá hạn')}${option('unacknowledged', f.filter, 'Chưa xác nhận')}</select></label>
<label>Tỉnh/thành<select name="province">${option('', f.province, 'Tất cả')}${provinces.map((p) => option(p, f.province, p))}</select></label>
<label>Vùng<select name="region">${option('', f.region, 'Tất cả')}${regions.map((p) => option(p, f.region, p))}</select></label>
<button type="submit" class="secondary">Lọc</button>
<a href="/office/run/${key}/export.csv${qs ? `?${qs}` : ''}">Tải CSV</a>
<a href="/office/run/${key}/export.xlsx${qs ? `?${qs}` : ''}">Tải Excel (XLSX)</a>
</form>
<p class="hint" aria-live="polite">Hiển thị ${shown.length}/${rows.length} đơn vị.</p>
<div class="table-wrap"><table id="units">
<thead><tr><th scope="col">Mã</th><th scope="col">Đơn vị</th><th scope="col">Giai đoạn</th><th scope="col">Hạn hiện tại</th><th scope="col" class="num">Nhắc</th><th scope="col" class="num">Đôn đốc</th><th scope="col">Vướng mắc</th></tr></thead>
<tbody>${shown.map(
          (r) => html`<tr class="${r.overdue ? 'overdue' : ''}" data-unit="${r.code}"><td><a href="/office/run/${key}/unit/${encodeURIComponent(r.code)}">${r.code}</a></td><td>${r.name}</td>
<td>${STAGE_LABEL[r.stage]}${r.overdue ? html` <span class="badge bad">Quá hạn</span>` : ''}</td><td>${r.deadline ? vnDateTime(r.deadline) : '—'}</td>
<td class="num">${r.remindersSent}</td><td class="num">${r.escalationLevel ? `mức ${r.escalationLevel}` : '—'}</td><td>${r.openDifficulties ? html`<span class="badge bad">${r.openDifficulties} chờ trả lời</span>` : '—'}${r.rejectedAddresses?.length ? html` <span class="badge bad">thư bị từ chối: ${r.rejectedAddresses.join(', ')}</span>` : ''}</td></tr>`,
        )}</tbody></table></div>
${status.info.length ? html`<h2>Nơi nhận để biết, báo cáo, phối hợp</h2><ul>${status.info.map((i) => html`<li>${i.name} (${i.purpose || i.role}) — ${i.delivered ? 'đã gửi' : 'đang gửi'}</li>`)}</ul>` : ''}
${stopped
  ? ''
  : html`<h2>Thao tác với cả đợt gửi</h2><div class="actions">
<form class="stack" method="post" action="/office/run/${key}/close">${csrfField(req)}<label for="note">Ghi chú khi kết thúc</label><input id="note" name="note" type="text"><button type="submit">Kết thúc và gửi báo cáo tổng hợp</button></form>
<form class="stack" method="post" action="/office/run/${key}/recall">${csrfField(req)}<label for="reason">Lý do thu hồi</label><input id="reason" name="reason" type="text" required><button type="submit" class="danger">Thu hồi văn bản</button></form>
</div>`}`,
        { nav: nav(sessions, req.session) },
      );
    }),
  );

  app.get('/office/run/:key/export.:format', (req, reply) =>
    handle(req, reply, async () => {
      const key = keyParam(req);
      const format = (req.params as Record<string, string>).format;
      if (format !== 'csv' && format !== 'xlsx') throw new PageError(404, 'Không tìm thấy', 'Chỉ xuất được CSV hoặc XLSX.');
      const { shown } = await runRows(key, filtersOf(req));
      const table = [COLUMNS, ...shown.map(cells)];
      reply.header('content-disposition', `attachment; filename="chidao-${key}.${format}"`);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(csv(table));
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(xlsx(key, table));
    }),
  );

  for (const action of ['close', 'recall'] as const) {
    app.post(`/office/run/:key/${action}`, (req, reply) =>
      handle(req, reply, async () => {
        const key = keyParam(req);
        const h = client.workflow.getHandle(runWorkflowId(key));
        const by = sessionOf(req).name;
        if (action === 'recall') {
          const reason = boundedField(req.body, 'reason', LIMITS.reason, 'Lý do thu hồi');
          if (!reason) throw new PageError(422, 'Thiếu lý do', 'Cần nêu lý do thu hồi văn bản.');
          await h.executeUpdate(recallUpdate, { args: [{ by, reason }] });
        } else await h.executeUpdate(closeUpdate, { args: [{ by, note: boundedField(req.body, 'note', LIMITS.reason, 'Ghi chú khi kết thúc') }] });
        return reply.redirect(`/office/run/${key}?done=${action}`, 303);
      }),
    );
  }

  // --- one unit -------------------------------------------------------------------------------------

  const codeParam = (req: FastifyRequest) => decodeURIComponent(String((req.params as Record<string, string>).code ?? ''));

  app.get('/office/run/:key/unit/:code', (req, reply) =>
    handle(req, reply, async () => {
      const key = keyParam(req);
      const code = codeParam(req);
      const h = client.workflow.getHandle(unitWorkflowId(key, code));
      const [s, history] = await Promise.all([h.query(unitStateQuery), h.fetchHistory()]);
      const events = timeline([{ workflowId: unitWorkflowId(key, code), history }]);
      const done = DONE[String((req.query as Record<string, unknown>).done ?? '')];
      const open = s.difficulties.filter((d) => !d.answer);
      const base = `/office/run/${key}/unit/${encodeURIComponent(code)}`;
      const active = !['done', 'recalled', 'closed'].includes(s.stage);
      return sendPage(
        reply,
        `${s.unit.name} (${code})`,
        html`${done ? html`<div class="notice ok" role="status"><p>${done}</p></div>` : ''}
<p><a href="/office/run/${key}">← Về đợt gửi ${key}</a></p>
<dl class="facts">
<dt>Giai đoạn</dt><dd>${STAGE_LABEL[s.stage]}${s.overdue ? html` <span class="badge bad">Quá hạn</span>` : ''}</dd>
<dt>Thư điện tử</dt><dd>${s.unit.emails.join(', ')}</dd>
${s.dispatchedAt ? html`<dt>Đã gửi</dt><dd>${vnDateTime(s.dispatchedAt)}</dd>` : ''}
${s.ackDeadline ? html`<dt>Hạn xác nhận</dt><dd>${vnDateTime(s.ackDeadline)}</dd>` : ''}
${s.acknowledgedAt ? html`<dt>Đã xác nhận</dt><dd>${vnDateTime(s.acknowledgedAt)}</dd>` : ''}
${s.reportDeadline ? html`<dt>Hạn báo cáo</dt><dd>${vnDateTime(s.reportDeadline)}</dd>` : ''}
<dt>Nhắc hạn / đôn đốc</dt><dd>${s.remindersSent} lần nhắc, mức đôn đốc ${s.escalationLevel}</dd>
${s.deliveryError ? html`<dt>Lỗi gửi thư</dt><dd>${s.deliveryError}</dd>` : ''}
${s.rejectedAddresses?.length ? html`<dt>Địa chỉ bị từ chối</dt><dd>${s.rejectedAddresses.join(', ')} — sửa bằng <code>chidao address ${key} ${code} &lt;các địa chỉ đúng&gt;</code></dd>` : ''}
</dl>
${s.reports.length ? html`<h2>Báo cáo</h2><ul>${s.reports.map((r) => html`<li>${vnDateTime(r.submittedAt)} — ${r.text}${r.fileName ? html` <span class="hint">(tệp ${r.fileName}, SHA-256 ${r.sha256?.slice(0, 16)}…)</span>` : ''}${r.verdict ? ` — ${r.verdict === 'accepted' ? 'đã chấp nhận' : `đã trả lại: ${r.verdictReason ?? ''}`}` : ''}</li>`)}</ul>` : ''}
${s.difficulties.length ? html`<h2>Vướng mắc</h2><ul>${s.difficulties.map((d) => html`<li>Số ${d.id} (${vnDateTime(d.raisedAt)}): ${d.text}${d.answer ? html`<br>Đã trả lời: ${d.answer.text}` : ''}</li>`)}</ul>` : ''}
${s.extensionRequests.length ? html`<h2>Đề nghị gia hạn</h2><ul>${s.extensionRequests.map((x) => html`<li>${vnDateTime(x.at)}: đến ${vnDateTime(x.until)} — ${x.reason}</li>`)}</ul>` : ''}
${active
  ? html`<h2>Thao tác</h2><div class="actions">
${s.stage === 'reported' ? html`<form class="stack" method="post" action="${base}/accept">${csrfField(req)}<button type="submit">Chấp nhận báo cáo</button></form>
<form class="stack" method="post" action="${base}/return">${csrfField(req)}<label for="return-reason">Lý do trả lại</label><input id="return-reason" name="reason" type="text" required><label for="return-due">Hạn báo cáo lại</label><input id="return-due" name="due" type="date" required><button type="submit" class="secondary">Trả lại báo cáo</button></form>` : ''}
<form class="stack" method="post" action="${base}/extend">${csrfField(req)}<label for="until">Gia hạn đến ngày</label><input id="until" name="until" type="date" required><label for="extend-reason">Lý do</label><input id="extend-reason" name="reason" type="text"><button type="submit">Gia hạn</button></form>
${open.length ? html`<form class="stack" method="post" action="${base}/answer">${csrfField(req)}<label for="difficulty">Vướng mắc</label><select id="difficulty" name="id">${open.map((d) => html`<option value="${d.id}">Số ${d.id}: ${d.text.slice(0, 60)}</option>`)}</select><label for="answer">Trả lời</label><textarea id="answer" name="text" required></textarea><button type="submit">Gửi trả lời</button></form>` : ''}
</div>`
  : ''}
<h2>Dòng thời gian</h2>
<ol class="timeline">${renderTimeline(events)
          .split('\n')
          .filter(Boolean)
          .map((line) => html`<li>${line}</li>`)}</ol>`,
        { nav: nav(sessions, req.session) },
      );
    }),
  );

  const deadline = (req: FastifyRequest, name: string, label: string) => {
    const r = deadlineSchema.safeParse(field(req.body, name));
    if (!r.success) throw new PageError(422, 'Thiếu hoặc sai ngày', `${label}: ${r.error.issues[0]!.message}`);
    return r.data;
  };

  for (const action of ['extend', 'answer', 'accept', 'return'] as const) {
    app.post(`/office/run/:key/unit/:code/${action}`, (req, reply) =>
      handle(req, reply, async () => {
        const key = keyParam(req);
        const code = codeParam(req);
        const h = client.workflow.getHandle(unitWorkflowId(key, code));
        const by = sessionOf(req).name;
        if (action === 'extend') await h.executeUpdate(extendUpdate, { args: [{ by, until: deadline(req, 'until', 'Gia hạn đến'), reason: boundedField(req.body, 'reason', LIMITS.reason, 'Lý do gia hạn') }] });
        else if (action === 'answer') {
          const text = boundedField(req.body, 'text', LIMITS.answerText, 'Nội dung trả lời');
          if (!text) throw new PageError(422, 'Thiếu nội dung', 'Cần nhập nội dung trả lời.');
          await h.executeUpdate(answerDifficultyUpdate, { args: [{ by, id: Number(field(req.body, 'id')), text }] });
        } else if (action === 'accept') await h.executeUpdate(acceptReportUpdate, { args: [{ by }] });
        else {
          const reason = boundedField(req.body, 'reason', LIMITS.reason, 'Lý do trả lại');
          if (!reason) throw new PageError(422, 'Thiếu lý do', 'Cần nêu lý do trả lại báo cáo.');
          await h.executeUpdate(returnReportUpdate, { args: [{ by, reason, due: deadline(req, 'due', 'Hạn báo cáo lại') }] });
        }
        return reply.redirect(`/office/run/${key}/unit/${encodeURIComponent(code)}?done=${action}`, 303);
      }),
    );
  }
}
