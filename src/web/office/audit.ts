import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyBundle, zipExport } from '../../audit/commands';
import { auditBundleOf } from '../audit-bundle';
import { evidencePackPdf } from '../../audit/pack';
import { PageError, sendPage, type WebDeps } from '../context';
import { runParams } from '../forms-schema';
import { navOf } from './auth';
import { auditView } from './audit-view';

/**
 * The auditor's view of a run, read-only: what `chidao audit verify` finds, the export as a zip laid out
 * as `chidao audit export` writes it, and the evidence packs. Read live from Temporal and the audit store
 * on each request, so what the page says is what an export made now would say.
 */
export function auditRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { audit, now } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  const bundleOf = (key: string) => auditBundleOf(deps, key);

  r.get(
    '/office/run/:key/audit',
    { config: { permission: 'audit.read' }, schema: { params: runParams } },
    async (req, reply) => {
      const { key } = req.params;
      const bundle = await bundleOf(key);
      const keyring = audit.keyring();
      const body = auditView(key, bundle, verifyBundle(bundle, keyring), !!keyring);
      return sendPage(reply, `Kiểm toán ${key}`, body, { nav: navOf(req) });
    },
  );

  r.get(
    '/office/run/:key/audit/export.zip',
    { config: { permission: 'audit.read' }, schema: { params: runParams } },
    async (req, reply) => {
      const { key } = req.params;
      const zip = zipExport(await bundleOf(key), new Date(now()));
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="chidao-${key}-kiem-toan.zip"`)
        .send(Buffer.from(zip));
    },
  );

  const packQuery = z.object({ unit: z.string().max(200).optional() }).loose();
  r.get(
    '/office/run/:key/audit/pack.pdf',
    { config: { permission: 'audit.read' }, schema: { params: runParams, querystring: packQuery } },
    async (req, reply) => {
      const { key } = req.params;
      const unit = req.query.unit || undefined;
      const bundle = await bundleOf(key);
      if (unit && !bundle.records.some((x) => x.unit === unit))
        throw new PageError(404, 'Không tìm thấy', `Đơn vị ${unit} không có bản ghi nào trong đợt gửi ${key}.`);
      const pdf = await evidencePackPdf(bundle, { keyring: audit.keyring(), ...(unit ? { unit } : {}) });
      const name = `chidao-${key}${unit ? `-${unit.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}-ho-so-chung-cu.pdf`;
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${name}"`).send(pdf);
    },
  );
}
