import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PageError, sendPage, type WebDeps } from '../context';
import { csrfBody, formText } from '../forms-schema';
import { html, type Html } from '../html';
import type { OfficeSessionCookies } from '../plugins/session';
import { AccountRefusal } from '../../accounts/accounts';
import { loginSchema, type AccountView } from '../../accounts/account';
import { STAFF_ROLES, STAFF_ROLE_LABELS, roleNames } from '../../domain/staff-roles';
import { sessionOf } from './auth';

/** One or several checkboxes of the same name arrive as a string or an array. */
const checked = z
  .union([z.string().max(40), z.array(z.string().max(40)).max(STAFF_ROLES.length * 2)])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

const accountParams = z.object({ login: z.string().max(64) });

interface Typed {
  login: string;
  name: string;
  title: string;
  unit: string;
  roles: string[];
}

const EMPTY: Typed = { login: '', name: '', title: '', unit: '', roles: [] };

const DONE: Record<string, string> = {
  disable: 'Đã khóa tài khoản; các phiên đang mở của người này đã kết thúc.',
  enable: 'Đã mở lại tài khoản.',
  roles: 'Đã đổi vai trò; người này cần đăng nhập lại.',
};

function field(
  id: keyof Typed,
  label: string,
  value: string,
  error: { field?: string | undefined; message: string } | undefined,
  attrs: { required?: boolean; max: number },
): Html {
  const bad = error?.field === id;
  return html`<label for="${id}">${label}</label
    ><input
      id="${id}"
      name="${id}"
      type="text"
      maxlength="${attrs.max}"
      value="${value}"
      ${attrs.required ? html`required` : ''}
      ${bad ? html`aria-invalid="true" aria-describedby="${id}-error"` : ''}
    />${bad ? html`<p class="field-error" id="${id}-error">${error.message}</p>` : ''}`;
}

function rolesField(typed: string[], error?: { field?: string | undefined; message: string }): Html {
  const bad = error?.field === 'roles';
  return html`<fieldset ${bad ? html`aria-describedby="roles-error"` : ''}>
    <legend>Vai trò</legend>
    ${STAFF_ROLES.map(
      (r) =>
        html`<label class="check"
          ><input type="checkbox" name="roles" value="${r}" ${typed.includes(r) ? html`checked` : ''} />
          ${STAFF_ROLE_LABELS[r]}</label
        >`,
    )}
    ${bad ? html`<p class="field-error" id="roles-error">${error.message}</p>` : ''}
  </fieldset>`;
}

function accountRow(a: AccountView, csrf: Html, self: string): Html {
  const base = `/office/accounts/${encodeURIComponent(a.login)}`;
  const state = a.active ? (a.mustChangePassword ? 'Chờ đổi mật khẩu tạm' : 'Hoạt động') : 'Đã khóa';
  return html`<tr>
    <td>${a.login}</td>
    <td>${a.name}${a.title ? html`<br /><span class="hint">${a.title}</span>` : ''}</td>
    <td>${roleNames(a.roles)}</td>
    <td>${state}</td>
    <td>
      ${
        a.login === self
          ? html`<span class="hint">(tài khoản của bạn)</span>`
          : html`<form method="post" action="${base}/${a.active ? 'disable' : 'enable'}">
                ${csrf}<button type="submit" class="${a.active ? 'danger' : 'secondary'}">
                  ${a.active ? 'Khóa' : 'Mở lại'}
                </button>
              </form>
              <form method="post" action="${base}/reset">
                ${csrf}<button type="submit" class="secondary">Đặt mật khẩu tạm mới</button>
              </form>
              <form method="post" action="${base}/roles">
                ${csrf}${STAFF_ROLES.map(
                  (r) =>
                    html`<label class="check"
                      ><input type="checkbox" name="roles" value="${r}" ${a.roles.includes(r) ? html`checked` : ''} />
                      ${STAFF_ROLE_LABELS[r]}</label
                    >`,
                )}<button type="submit" class="secondary">Đổi vai trò</button>
              </form>`
      }
    </td>
  </tr>`;
}

/**
 * The administrator's page of accounts: the list, a new account (its temporary password shown once),
 * disable/enable, a new temporary password, roles. The same Accounts service as `chidao user`.
 */
export function accountRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const config = { permission: 'admin' as const };
  const show = async (
    req: FastifyRequest,
    reply: FastifyReply,
    o: { typed?: Typed; error?: AccountRefusal; notice?: Html; status?: number } = {},
  ) => {
    const csrf = html`<input type="hidden" name="csrf" value="${sessions.csrf(sessionOf(req))}" />`;
    const t = o.typed ?? EMPTY;
    const e = o.error && { field: o.error.field, message: o.error.message };
    const all = await deps.accounts.list();
    return sendPage(
      reply,
      'Tài khoản',
      html`${o.notice ?? ''}
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Tên đăng nhập</th>
                <th scope="col">Họ tên</th>
                <th scope="col">Vai trò</th>
                <th scope="col">Trạng thái</th>
                <th scope="col">Thao tác</th>
              </tr>
            </thead>
            <tbody>
              ${all.map((a) => accountRow(a, csrf, sessionOf(req).login))}
            </tbody>
          </table>
        </div>
        <h2>Thêm tài khoản</h2>
        ${o.error ? html`<div class="notice bad" role="alert"><p>Chưa tạo: ${o.error.message}</p></div>` : ''}
        <form class="stack" method="post" action="/office/accounts">
          ${csrf} ${field('login', 'Tên đăng nhập (chữ không dấu, số, . - _)', t.login, e, { required: true, max: 64 })}
          ${field('name', 'Họ tên', t.name, e, { required: true, max: 200 })}
          ${field('title', 'Chức vụ', t.title, e, { max: 200 })} ${field('unit', 'Đơn vị', t.unit, e, { max: 200 })}
          ${rolesField(t.roles, e)}
          <button type="submit">Tạo tài khoản</button>
        </form>`,
      { status: o.status ?? 200, ...(req.pageNav ? { nav: req.pageNav } : {}) },
    );
  };
  const temporary = (a: AccountView, password: string) =>
    html`<div class="notice ok" role="status">
      <p>
        Mật khẩu tạm của <strong>${a.login}</strong> (${a.name}): <code>${password}</code>. Trang này chỉ hiện nó một
        lần: hãy trao riêng cho người dùng; lần đăng nhập đầu tiên sẽ phải đổi.
      </p>
    </div>`;

  r.get(
    '/office/accounts',
    { config, schema: { querystring: z.object({ done: z.string().max(20).optional() }).loose() } },
    async (req, reply) => {
      const done = DONE[req.query.done ?? ''];
      return show(req, reply, done ? { notice: html`<div class="notice ok" role="status"><p>${done}</p></div>` } : {});
    },
  );

  r.post(
    '/office/accounts',
    {
      config,
      schema: {
        body: csrfBody.extend({ login: formText, name: formText, title: formText, unit: formText, roles: checked }),
      },
    },
    async (req, reply) => {
      const typed: Typed = { ...req.body };
      try {
        const { account, password } = await deps.accounts.add(typed);
        return show(req, reply, { notice: temporary(account, password) });
      } catch (e) {
        if (e instanceof AccountRefusal) return show(req, reply, { typed, error: e, status: 422 });
        throw e;
      }
    },
  );

  const act = async (reply: FastifyReply, run: () => unknown, done: string) => {
    try {
      await run();
    } catch (e) {
      if (e instanceof AccountRefusal) throw new PageError(422, 'Không thực hiện được', e.message);
      throw e;
    }
    return reply.redirect(`/office/accounts?done=${done}`, 303);
  };
  const own = (req: FastifyRequest, login: string) => {
    // Locking oneself out, or dropping one's own administrator role, is done by another administrator.
    // Compared as the store will read it: " QuanTri" is quantri.
    if ((loginSchema.safeParse(login).data ?? login) === sessionOf(req).login)
      throw new PageError(
        422,
        'Không thực hiện được',
        'Không tự khóa, tự đặt lại mật khẩu hay tự đổi vai trò của mình ở đây.',
      );
    return login;
  };
  for (const action of ['disable', 'enable'] as const)
    r.post(
      `/office/accounts/:login/${action}`,
      { config, schema: { params: accountParams, body: csrfBody } },
      async (req, reply) =>
        act(reply, () => deps.accounts.setActive(own(req, req.params.login), action === 'enable'), action),
    );
  r.post(
    '/office/accounts/:login/roles',
    { config, schema: { params: accountParams, body: csrfBody.extend({ roles: checked }) } },
    async (req, reply) => act(reply, () => deps.accounts.setRoles(own(req, req.params.login), req.body.roles), 'roles'),
  );
  r.post(
    '/office/accounts/:login/reset',
    { config, schema: { params: accountParams, body: csrfBody } },
    async (req, reply) => {
      try {
        const { account, password } = await deps.accounts.resetPassword(own(req, req.params.login));
        return show(req, reply, { notice: temporary(account, password) });
      } catch (e) {
        if (e instanceof AccountRefusal) throw new PageError(422, 'Không thực hiện được', e.message);
        throw e;
      }
    },
  );
}
