import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebDeps } from '../context';
import { ApiTokens, type ApiTokenView } from '../../accounts/api-tokens';
import { can, refusalFor } from '../../domain/staff-roles';
import { apiErrorHandler, problem } from './problem';
import { startRoute } from './start';
import { auditBundleOf } from '../audit-bundle';
import { verifyBundle, zipExport } from '../../audit/commands';
import { apiSignature } from './signature';

declare module 'fastify' {
  interface FastifyRequest {
    /** The other system's token, set by the API's guard. */
    apiToken?: ApiTokenView;
  }
}

const TAGS = ['chidao'];
const bearer = (req: FastifyRequest) => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
const runParams = z.object({ key: z.string().max(200) });
const unitParams = z.object({ key: z.string().max(200), code: z.string().max(200) });
const text = (max: number) =>
  z
    .string()
    .max(max * 4)
    .optional();

/**
 * `/api/v1`: the Office's acts and reads for other systems, through the same Office service as the pages
 * and the CLI. A bearer token per system (`chidao token add`) with roles, checked on every route, which
 * declares its permission as the pages' do; 120 requests a minute per token; refusals as RFC 9457 problems.
 */
export async function apiRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const tokens = new ApiTokens(deps.config.CHIDAO_DATA_DIR, deps.now);
  const { office } = deps;
  // The rate limit's key and the guard both need the token: the tokens file is read once per request.
  const verified = new WeakMap<FastifyRequest, ApiTokenView | undefined>();
  const tokenOf = (req: FastifyRequest) => {
    if (!verified.has(req)) verified.set(req, tokens.verify(bearer(req)));
    return verified.get(req);
  };
  await app.register(
    async (api) => {
      api.setErrorHandler(apiErrorHandler);
      api.setNotFoundHandler((_req, reply) => problem(reply, 404, 'Không tìm thấy', 'Địa chỉ API này không có.'));
      // After the routes' rate limit (onRequest), so refused requests count too; before the body is read.
      api.addHook('preParsing', async (req, reply) => {
        const token = tokenOf(req);
        if (!token)
          return problem(
            reply.header('www-authenticate', 'Bearer realm="chidao"'),
            401,
            'Cần khóa API',
            'Thiếu, sai hoặc đã thu hồi khóa API (Authorization: Bearer …).',
            {
              type: 'Unauthorized',
            },
          );
        req.apiToken = token;
        if (req.routeOptions.url === undefined) return;
        const need = req.routeOptions.config.permission;
        if (!need || need === 'self' || !can(token.roles, need))
          return problem(reply, 403, 'Không có quyền', need && need !== 'self' ? refusalFor(need) : 'Không có quyền.', {
            type: 'Forbidden',
          });
      });
      const r = api.withTypeProvider<ZodTypeProvider>();
      const limit = {
        rateLimit: {
          max: 120,
          timeWindow: '1 minute',
          // A genuine token's own allowance; anything else counts against its address, so made-up tokens
          // neither escape the limit nor use up a real system's allowance.
          keyGenerator: (req: FastifyRequest) => {
            const t = tokenOf(req);
            return t ? `api:token:${t.id}` : `api:ip:${req.ip}`;
          },
        },
      };
      const view = { ...limit, permission: 'runs.view' as const };

      r.get('/runs', { config: view, schema: { tags: TAGS, summary: 'Các đợt gửi, mới nhất trước' } }, async () => ({
        runs: await office.listRuns(),
      }));
      r.get(
        '/runs/:key',
        { config: view, schema: { tags: TAGS, summary: 'Tình trạng một đợt gửi và từng đơn vị', params: runParams } },
        async (req) => office.table(req.params.key),
      );
      r.get(
        '/runs/:key/units/:code',
        {
          config: view,
          schema: { tags: TAGS, summary: 'Một đơn vị: trạng thái, dòng thời gian, cách tính hạn', params: unitParams },
        },
        async (req) => office.unitWithTimeline(req.params.key, req.params.code),
      );

      const recordAs = (req: FastifyRequest) => ({ channel: 'office' as const, by: apiSignature(req) });
      const unitAct = <B extends z.ZodObject>(
        path: string,
        permission: 'units.record' | 'units.follow-up',
        summary: string,
        body: B,
        run: (key: string, unit: string, body: z.infer<B>, req: FastifyRequest) => Promise<unknown>,
      ) =>
        r.post(
          `/runs/:key/units/:code/${path}`,
          { config: { ...limit, permission }, schema: { tags: TAGS, summary, params: unitParams, body } },
          async (req) => ({ unit: await run(req.params.key, req.params.code, req.body as z.infer<B>, req) }),
        );
      unitAct('acknowledge', 'units.record', 'Ghi nhận đơn vị đã nhận văn bản', z.object({}), (key, unit, _b, req) =>
        office.acknowledge({ key, unit, by: recordAs(req) }),
      );
      unitAct(
        'report',
        'units.record',
        'Ghi nhận báo cáo của đơn vị',
        z.object({ text: text(50_000) }),
        (key, unit, b, req) => office.report({ key, unit, by: recordAs(req), text: b.text ?? '' }),
      );
      unitAct(
        'address',
        'units.record',
        'Sửa địa chỉ thư của đơn vị',
        z.object({ emails: z.array(z.string().max(320)).max(20) }),
        (key, unit, b, req) => office.correctAddress({ key, unit, by: apiSignature(req), emails: b.emails }),
      );
      unitAct('accept', 'units.follow-up', 'Chấp nhận báo cáo', z.object({}), (key, unit, _b, req) =>
        office.accept({ key, unit, by: apiSignature(req) }),
      );
      unitAct(
        'return',
        'units.follow-up',
        'Trả lại báo cáo với lý do và hạn mới',
        z.object({ reason: text(1000), due: text(100) }),
        (key, unit, b, req) =>
          office.returnReport({ key, unit, by: apiSignature(req), reason: b.reason ?? '', due: b.due ?? '' }),
      );
      unitAct(
        'extend',
        'units.follow-up',
        'Gia hạn',
        z.object({ until: text(100), reason: text(1000) }),
        (key, unit, b, req) =>
          office.extend({ key, unit, by: apiSignature(req), until: b.until ?? '', reason: b.reason ?? '' }),
      );
      unitAct(
        'answer',
        'units.follow-up',
        'Trả lời vướng mắc',
        z.object({ id: z.number().int().or(z.string().max(10)), text: text(4000) }),
        (key, unit, b, req) => office.answer({ key, unit, by: apiSignature(req), id: b.id, text: b.text ?? '' }),
      );

      const decide = { config: { ...limit, permission: 'runs.decide' as const } };
      r.post(
        '/runs/:key/recall',
        {
          ...decide,
          schema: { tags: TAGS, summary: 'Thu hồi văn bản', params: runParams, body: z.object({ reason: text(1000) }) },
        },
        async (req) => {
          await office.recall({ key: req.params.key, by: apiSignature(req), reason: req.body.reason ?? '' });
          return { recalled: req.params.key };
        },
      );
      r.post(
        '/runs/:key/close',
        {
          ...decide,
          schema: { tags: TAGS, summary: 'Kết thúc đợt gửi', params: runParams, body: z.object({ note: text(1000) }) },
        },
        async (req) => {
          await office.close({ key: req.params.key, by: apiSignature(req), note: req.body.note ?? '' });
          return { closed: req.params.key };
        },
      );
      startRoute(r, deps, { ...limit, permission: 'runs.start' as const }, TAGS);

      const audit = { config: { ...limit, permission: 'audit.read' as const } };
      r.get(
        '/runs/:key/audit',
        {
          ...audit,
          schema: {
            tags: TAGS,
            summary: 'Kiểm tra sổ kiểm toán của đợt gửi (như chidao audit verify)',
            params: runParams,
          },
        },
        async (req) => {
          const bundle = await auditBundleOf(deps, req.params.key);
          const findings = verifyBundle(bundle, deps.audit.keyring());
          // Warnings (no signed digests yet) do not make a trail invalid; any error does.
          return { records: bundle.records.length, valid: findings.every((f) => f.level !== 'error'), findings };
        },
      );
      r.get(
        '/runs/:key/audit/export.zip',
        {
          ...audit,
          schema: { tags: TAGS, summary: 'Bản xuất kiểm toán (zip, như chidao audit export)', params: runParams },
        },
        async (req, reply) => {
          const zip = zipExport(await auditBundleOf(deps, req.params.key), new Date(deps.now()));
          return reply
            .type('application/zip')
            .header('content-disposition', `attachment; filename="chidao-${req.params.key}-kiem-toan.zip"`)
            .send(Buffer.from(zip));
        },
      );
    },
    { prefix: '/api/v1' },
  );
}
