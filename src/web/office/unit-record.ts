import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PageError, type WebDeps } from '../context';
import { csrfBody, formText, unitParams } from '../forms-schema';
import { html, type Html } from '../html';
import { VIAS, VIA_LABEL, type UnitSnapshot, type Via } from '../../domain/unit-model';
import { signedBy } from './auth';

const REPORTABLE = ['acknowledged', 'reported', 'returned', 'overdue'];

const viaField = (id: string) =>
  html`<label for="${id}">Đơn vị báo</label
    ><select id="${id}" name="via">
      ${VIAS.map((v) => html`<option value="${v}">${VIA_LABEL[v]}</option>`)}
    </select>`;

/**
 * What the records desk writes down for a unit that called, sent paper or wrote from another address:
 * its acknowledgement, its report, a corrected address. Shown only to those who may record.
 */
export function recordForms(base: string, s: UnitSnapshot, csrfField: Html): Html {
  const active = !['done', 'recalled', 'closed'].includes(s.stage);
  if (!active) return html``;
  return html`<h2>Ghi nhận thay đơn vị</h2>
    <div class="actions">
      ${
        s.acknowledgedAt === undefined
          ? html`<form class="stack" method="post" action="${base}/record-ack">
              ${csrfField}${viaField('ack-via')}<button type="submit">Ghi nhận đã nhận văn bản</button>
            </form>`
          : ''
      }
      ${
        REPORTABLE.includes(s.stage) || s.acknowledgedAt !== undefined
          ? html`<form class="stack" method="post" action="${base}/record-report">
              ${csrfField}${viaField('report-via')}<label for="record-text">Nội dung báo cáo đơn vị gửi</label
              ><textarea id="record-text" name="text" required></textarea
              ><button type="submit">Ghi nhận báo cáo</button>
            </form>`
          : ''
      }
      ${
        s.acknowledgedAt === undefined && s.dispatchedAt !== undefined && s.stage !== 'undeliverable'
          ? html`<form class="stack" method="post" action="${base}/resend">
              ${csrfField}
              <p class="hint">Đơn vị báo chưa nhận được thư: gửi lại tới ${s.unit.emails.join(', ')}.</p>
              <button type="submit" class="secondary">Gửi lại văn bản</button>
            </form>`
          : ''
      }
      <form class="stack" method="post" action="${base}/address">
        ${csrfField}<label for="emails">Địa chỉ thư đúng (mỗi dòng một địa chỉ)</label
        ><textarea id="emails" name="emails" required>${s.unit.emails.join('\n')}</textarea
        ><button type="submit" class="secondary">Sửa địa chỉ và gửi lại</button>
      </form>
    </div>`;
}

const viaOf = (v: string): Via | undefined => ((VIAS as readonly string[]).includes(v) ? (v as Via) : undefined);

/** The records desk's acts on a unit, and the unit's report files for whoever sees the run. */
export function recordRoutes(
  app: FastifyInstance,
  deps: WebDeps,
  codeOf: (raw: string) => string,
  done: (action: string, key: string, code: string) => string,
): void {
  const { office } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const body = csrfBody.extend({ via: formText, text: formText, emails: formText });
  const opts = { config: { permission: 'units.record' as const }, schema: { params: unitParams, body } };
  const actor = (req: Parameters<typeof signedBy>[0], via: string) => {
    const v = viaOf(via);
    return { channel: 'office' as const, by: signedBy(req), ...(v ? { via: v } : {}) };
  };

  r.post('/office/run/:key/unit/:code/record-ack', opts, async (req, reply) => {
    const [key, unit] = [req.params.key, codeOf(req.params.code)];
    await office.acknowledge({ key, unit, by: actor(req, req.body.via) });
    return reply.redirect(done('record-ack', key, unit), 303);
  });
  r.post('/office/run/:key/unit/:code/record-report', opts, async (req, reply) => {
    const [key, unit] = [req.params.key, codeOf(req.params.code)];
    await office.report({ key, unit, by: actor(req, req.body.via), text: req.body.text });
    return reply.redirect(done('record-report', key, unit), 303);
  });
  r.post('/office/run/:key/unit/:code/resend', opts, async (req, reply) => {
    const [key, unit] = [req.params.key, codeOf(req.params.code)];
    await office.resendDispatch({ key, unit, by: signedBy(req) });
    return reply.redirect(done('resend', key, unit), 303);
  });
  r.post('/office/run/:key/unit/:code/address', opts, async (req, reply) => {
    const [key, unit] = [req.params.key, codeOf(req.params.code)];
    const emails = req.body.emails.split(/[\s,;]+/).filter(Boolean);
    await office.correctAddress({ key, unit, by: signedBy(req), emails });
    return reply.redirect(done('address', key, unit), 303);
  });

  // A report's file, found by the hash the unit's report recorded: nothing else under uploads is reachable.
  r.get(
    '/office/run/:key/unit/:code/file/:sha',
    {
      config: { permission: 'runs.view' },
      schema: { params: unitParams.extend({ sha: z.string().regex(/^[0-9a-f]{64}$/) }) },
    },
    async (req, reply) => {
      const [key, unit] = [req.params.key, codeOf(req.params.code)];
      const report = (await office.unit(key, unit)).reports.find((x) => x.sha256 === req.params.sha);
      const missing = new PageError(404, 'Không tìm thấy', 'Đơn vị không gửi tệp này.');
      if (!report?.fileName || !report.sha256) throw missing;
      const path = join(
        deps.config.CHIDAO_DATA_DIR,
        'uploads',
        key,
        unit,
        `${report.sha256.slice(0, 16)}-${report.fileName}`,
      );
      if (!existsSync(path)) throw missing;
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(report.fileName)}`)
        .header('x-content-sha256', report.sha256)
        .send(createReadStream(path));
    },
  );
}
