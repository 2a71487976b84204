import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PageError, sendPage, type WebDeps } from '../context';
import { csrfBody, formText } from '../forms-schema';
import { html } from '../html';
import { csv, xlsx } from '../xlsx';
import type { OfficeSessionCookies } from '../plugins/session';
import { mayAct, navOf, sessionOf } from './auth';
import { InvalidInputError, formatIssue } from '../../domain/errors';
import { REGISTRY_COLUMNS, registryToTable } from '../../domain/registry-table';
import { MAX_REGISTRY_TEXT_BYTES } from '../../registries/import-file';
import { RegistryRefusal, VERSION_STATE_LABEL, type Registries } from '../../registries/registries';
import type { Staff } from '../../accounts/accounts';
import {
  changesList,
  diffView,
  importForm,
  typedOf,
  unitForm,
  unitsTable,
  versionPath,
  versionsTable,
  type ImportTyped,
  type UnitTyped,
} from './registries-view';

const versionParams = z.object({ id: z.string().max(64), effective: z.string().max(10) });
const unitParams = versionParams.extend({ code: z.string().max(200) });
const EMPTY: ImportTyped = { id: '', name: '', effective: '' };

const DONE: Record<string, string> = {
  imported: 'Đã nhập phiên bản; xem những gì thay đổi rồi bấm "Kích hoạt" để các đợt gửi mới dùng nó.',
  activated: 'Đã kích hoạt phiên bản này.',
  edited: 'Đã lưu đơn vị; thay đổi được ghi vào nhật ký danh mục.',
};

const staffOf = (req: FastifyRequest): Staff => ({
  login: sessionOf(req).login,
  name: sessionOf(req).name,
  roles: req.account?.roles ?? [],
});

/**
 * The registries of units: every version with its state, a version's units and what it changes, and for
 * the administrator the import (YAML, CSV, XLSX), activation and the edit of one unit's addresses and people.
 * The same Registries service as `chidao registry`.
 */
export function registryRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const registries: Registries = deps.registries;
  const view = { permission: 'runs.view' as const };
  const admin = { permission: 'admin' as const };
  const csrf = (req: FastifyRequest) => sessions.csrf(sessionOf(req));
  const notice = (done?: string) =>
    done && DONE[done] ? html`<div class="notice ok" role="status"><p>${DONE[done]}</p></div>` : html``;

  const listPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    o: { typed?: ImportTyped; errors?: Record<string, string>; lines?: string[]; status?: number } = {},
  ) =>
    sendPage(
      reply,
      'Danh mục đơn vị',
      html`${versionsTable(registries.list())}
      ${
        mayAct(req, 'admin')
          ? html`${importForm(csrf(req), o.typed ?? EMPTY, o.errors ?? {}, o.lines ?? [])}
            ${changesList(registries.changes(20))}`
          : html`<p class="hint">Nhập và kích hoạt danh mục là việc của quản trị viên.</p>`
      }`,
      { status: o.status ?? 200, nav: navOf(req) },
    );

  r.get('/office/registries', { config: view }, async (req, reply) => listPage(req, reply));

  // Each import parses up to 50 MiB: twenty an address in 15 minutes is plenty for a person.
  const importLimit = { ...admin, rateLimit: { max: 20, timeWindow: '15 minutes' } };
  r.post('/office/registries', { config: importLimit }, async (req, reply) => {
    const typed: ImportTyped = { ...EMPTY };
    let file: { name: string; bytes: Buffer; truncated: boolean } | undefined;
    const limits = { fileSize: MAX_REGISTRY_TEXT_BYTES, files: 1, fields: 10, fieldSize: 1000 };
    for await (const part of req.parts({ limits, throwFileSizeLimit: false } as Parameters<typeof req.parts>[0])) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        file = { name: part.filename.slice(0, 255), bytes, truncated: part.file.truncated };
      } else if (part.fieldname in typed)
        typed[part.fieldname as keyof ImportTyped] = String(part.value).normalize('NFC').trim().slice(0, 200);
    }
    const refused = (lines: string[], errors: Record<string, string> = {}) =>
      listPage(req, reply, { typed, errors, lines, status: 422 });
    if (!file?.name) return refused(['Chưa chọn tệp danh mục.']);
    if (file.truncated) return refused([`Tệp lớn quá ${MAX_REGISTRY_TEXT_BYTES / 1024 / 1024} MiB.`]);
    try {
      const out = registries.import(
        file.bytes,
        file.name,
        {
          ...(typed.id ? { id: typed.id } : {}),
          ...(typed.name ? { name: typed.name } : {}),
          ...(typed.effective ? { effective: typed.effective } : {}),
        },
        staffOf(req),
      );
      return reply.redirect(`${versionPath(out.version)}?done=imported`, 303);
    } catch (e) {
      if (e instanceof InvalidInputError) {
        // Problems with the import's own fields go beside those fields; the file's, above the form.
        const fields = Object.fromEntries(
          e.issues.filter((i) => i.path in typed).map((i) => [i.path, i.message.replace(/^[^:]*: /, '')]),
        );
        const lines = e.issues.filter((i) => !(i.path in typed)).map(formatIssue);
        return refused(lines, fields);
      }
      if (e instanceof RegistryRefusal) return e.field ? refused([], { [e.field]: e.message }) : refused([e.message]);
      throw e;
    }
  });

  const template = (kind: 'csv' | 'xlsx') => async (_req: FastifyRequest, reply: FastifyReply) => {
    const rows = [REGISTRY_COLUMNS.map((c) => c.title), REGISTRY_COLUMNS.map((c) => c.hint)];
    return kind === 'csv'
      ? reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="mau-danh-muc.csv"')
          .send(csv(rows))
      : reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', 'attachment; filename="mau-danh-muc.xlsx"')
          .send(xlsx('Đơn vị', rows));
  };
  r.get('/office/registries/template.csv', { config: view }, template('csv'));
  r.get('/office/registries/template.xlsx', { config: view }, template('xlsx'));

  const shown = (id: string, effective: string) => {
    try {
      return registries.show(id, effective);
    } catch (e) {
      if (e instanceof RegistryRefusal) throw new PageError(404, 'Không có phiên bản này', e.message);
      throw e;
    }
  };

  r.get(
    '/office/registries/:id/:effective',
    {
      config: view,
      schema: {
        params: versionParams,
        querystring: z.object({ q: z.string().max(100).optional(), done: z.string().max(20).optional() }).loose(),
      },
    },
    async (req, reply) => {
      const { id, effective } = req.params;
      const { version, registry, state } = shown(id, effective);
      const base = versionPath(version);
      const activate =
        version.activatedAt === undefined && mayAct(req, 'admin')
          ? html`<form method="post" action="${base}/activate">
              <input type="hidden" name="csrf" value="${csrf(req)}" />
              <button type="submit">Kích hoạt phiên bản này</button>
            </form>`
          : '';
      return sendPage(
        reply,
        `${version.name} — hiệu lực từ ${version.effective}`,
        html`${notice(req.query.done)}
          <p>
            <strong>${VERSION_STATE_LABEL[state]}</strong>. ${version.units.toLocaleString('vi-VN')} đơn vị, mã
            <code>${version.id}</code>, nhập từ tệp ${version.source} bởi
            ${version.importedBy}${
              version.activatedBy ? html`; kích hoạt bởi ${version.activatedBy}` : ''
            }${version.edits ? html`; ${version.edits} lần sửa từng đơn vị` : ''}.
            Tải về: <a href="${base}/export.xlsx">Excel</a>, <a href="${base}/export.csv">CSV</a>.
          </p>
          <h2>Những gì thay đổi</h2>
          ${diffView(registries.diff(version.id, version.effective))} ${activate}
          <h2>Các đơn vị</h2>
          ${unitsTable(registry, base, req.query.q ?? '', mayAct(req, 'admin'))}`,
        { nav: navOf(req) },
      );
    },
  );

  for (const kind of ['csv', 'xlsx'] as const)
    r.get(
      `/office/registries/:id/:effective/export.${kind}`,
      { config: view, schema: { params: versionParams } },
      async (req, reply) => {
        const { version, registry } = shown(req.params.id, req.params.effective);
        const name = `${version.id}-${version.effective}.${kind}`;
        const rows = registryToTable(registry);
        reply.header('content-disposition', `attachment; filename="${name}"`);
        return kind === 'csv'
          ? reply.type('text/csv; charset=utf-8').send(csv(rows))
          : reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(xlsx('Đơn vị', rows));
      },
    );

  r.post(
    '/office/registries/:id/:effective/activate',
    { config: admin, schema: { params: versionParams, body: csrfBody } },
    async (req, reply) => {
      try {
        const v = registries.activate(req.params.id, req.params.effective, staffOf(req));
        return reply.redirect(`${versionPath(v)}?done=activated`, 303);
      } catch (e) {
        if (e instanceof RegistryRefusal) throw new PageError(422, 'Không kích hoạt được', e.message);
        throw e;
      }
    },
  );

  const unitPage = (
    req: FastifyRequest,
    params: z.infer<typeof unitParams>,
    reply: FastifyReply,
    typed?: UnitTyped,
    errors: Record<string, string> = {},
    status = 200,
  ) => {
    const { id, effective, code } = params;
    const { version, registry } = shown(id, effective);
    const u = registry.units.find((x) => x.code.toUpperCase() === code.toUpperCase());
    if (!u) throw new PageError(404, 'Không có đơn vị này', `Không có đơn vị "${code}" trong danh mục "${id}".`);
    const action = `${versionPath(version)}/unit/${encodeURIComponent(u.code)}`;
    return sendPage(reply, `Sửa đơn vị ${u.code}`, unitForm(csrf(req), action, u, typed ?? typedOf(u), errors), {
      status,
      nav: navOf(req),
    });
  };

  r.get(
    '/office/registries/:id/:effective/unit/:code',
    { config: admin, schema: { params: unitParams } },
    async (req, reply) => unitPage(req, req.params, reply),
  );

  const personBody = { name: formText, title: formText, email: formText };
  r.post(
    '/office/registries/:id/:effective/unit/:code',
    {
      config: admin,
      schema: {
        params: unitParams,
        body: csrfBody.extend({
          emails: formText,
          ...Object.fromEntries(
            Object.entries(personBody).flatMap(([k, v]) => [
              [`head.${k}`, v],
              [`leader.${k}`, v],
            ]),
          ),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body as Record<string, string>;
      const person = (who: string) => ({ name: b[`${who}.name`], title: b[`${who}.title`], email: b[`${who}.email`] });
      const typed: UnitTyped = { emails: b.emails ?? '', head: person('head'), leader: person('leader') };
      const emails = typed.emails
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      try {
        registries.editUnit(
          req.params.id,
          req.params.effective,
          req.params.code,
          { emails, head: typed.head, leader: typed.leader },
          staffOf(req),
        );
      } catch (e) {
        if (e instanceof RegistryRefusal)
          return unitPage(req, req.params, reply, typed, { [e.field ?? 'emails']: e.message }, 422);
        throw e;
      }
      const { version } = shown(req.params.id, req.params.effective);
      return reply.redirect(`${versionPath(version)}?done=edited`, 303);
    },
  );
}
