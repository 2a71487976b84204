import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PageError, sendPage, type WebDeps } from '../context';
import { csrfBody, formText, runParams } from '../forms-schema';
import { html } from '../html';
import type { OfficeSessionCookies } from '../plugins/session';
import { csv, xlsx } from '../xlsx';
import { mayAct, navOf, sessionOf, signedBy } from './auth';
import { DONE, EXPORT_COLUMNS, exportCells, noWorkerView, runList, runView } from './run-view';
import { sendSignedDocument } from '../signed-document';

const filtersQuery = z
  .object({
    filter: z.string().max(40).default(''),
    province: z.string().max(200).default(''),
    region: z.string().max(200).default(''),
    done: z.string().max(20).optional(),
  })
  .loose();

/** The runs: the list, a run's page, its exports, and the acts on the whole run (close, recall). */
export function runRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const { office, now } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const nav = navOf;

  const listQuery = z.object({
    year: z
      .string()
      .regex(/^\d{4}$/)
      .optional()
      .catch(undefined),
    state: z.enum(['running', 'finished']).optional().catch(undefined),
    q: z.string().max(200).optional(),
  });
  r.get('/office', { config: { permission: 'runs.view' }, schema: { querystring: listQuery } }, async (req, reply) => {
    const start = mayAct(req, 'runs.start')
      ? html`<p><a class="button" href="/office/runs/new">Bắt đầu đợt gửi mới</a></p>`
      : '';
    const { runs, years } = await office.runOverview(req.query);
    return sendPage(reply, 'Các đợt gửi văn bản', html`${start}${runList(runs, req.query, years)}`, { nav: nav(req) });
  });

  r.get(
    '/office/run/:key',
    { config: { permission: 'runs.view' }, schema: { params: runParams, querystring: filtersQuery } },
    async (req, reply) => {
      const { key } = req.params;
      const { done, ...filters } = req.query;
      const table = await office.table(key);
      const mailNotice = table.mailNotice
        ? html`<div class="notice bad" role="alert"><p>${table.mailNotice}</p></div>`
        : '';
      // Without a worker no query answers; visibility still knows each unit's stage and lateness.
      if (!table.status)
        return sendPage(reply, `Đợt gửi ${key}`, noWorkerView(table.rows, mailNotice), { nav: nav(req), status: 503 });
      const { status, rows, shown } = await office.rows(key, filters, { status: table.status, rows: table.rows });
      const csrfField = mayAct(req, 'runs.decide')
        ? html`<input type="hidden" name="csrf" value="${sessions.csrf(sessionOf(req))}" />`
        : undefined;
      const body = runView({
        key,
        status,
        rows,
        shown,
        filters,
        done: DONE[done ?? ''],
        mailNotice,
        csrfField,
        now: now(),
      });
      const correct =
        mayAct(req, 'runs.start') && !status.stop
          ? html`<p><a class="button" href="/office/run/${key}/correct">Đính chính / thay thế văn bản</a></p>`
          : '';
      // While recipients are still being added, the browser reloads the page by itself (no script needed).
      if (!status.stop && status.added < status.expected) reply.header('refresh', '3');
      return sendPage(reply, `${status.ref} — ${status.subject}`, html`${correct}${body}`, { nav: nav(req) });
    },
  );

  r.get(
    '/office/run/:key/document',
    {
      config: { permission: 'runs.view' },
      schema: { params: runParams, querystring: z.object({ v: z.coerce.number().int().min(2).max(11).optional() }) },
    },
    async (req, reply) => sendSignedDocument(reply, deps, req.params.key, req.query.v),
  );

  r.get(
    '/office/run/:key/export.:format',
    {
      config: { permission: 'runs.view' },
      schema: { params: runParams.extend({ format: z.string() }), querystring: filtersQuery },
    },
    async (req, reply): Promise<FastifyReply> => {
      const { key, format } = req.params;
      if (format !== 'csv' && format !== 'xlsx')
        throw new PageError(404, 'Không tìm thấy', 'Chỉ xuất được CSV hoặc XLSX.');
      const { done: _done, ...filters } = req.query;
      const { shown } = await office.rows(key, filters);
      const table = [EXPORT_COLUMNS, ...shown.map(exportCells)];
      reply.header('content-disposition', `attachment; filename="chidao-${key}.${format}"`);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(csv(table));
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .send(await xlsx(key, table));
    },
  );

  const body = csrfBody.extend({ reason: formText, note: formText });
  r.post(
    '/office/run/:key/recall',
    { config: { permission: 'runs.decide' }, schema: { params: runParams, body } },
    async (req, reply) => {
      await office.recall({ key: req.params.key, by: signedBy(req), reason: req.body.reason });
      return reply.redirect(`/office/run/${req.params.key}?done=recall`, 303);
    },
  );
  r.post(
    '/office/run/:key/close',
    { config: { permission: 'runs.decide' }, schema: { params: runParams, body } },
    async (req, reply) => {
      await office.close({ key: req.params.key, by: signedBy(req), note: req.body.note });
      return reply.redirect(`/office/run/${req.params.key}?done=close`, 303);
    },
  );
}
