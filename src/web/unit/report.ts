import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { UnitBrief } from '../../domain/unit-state';
import { LIMITS } from '../../domain/unit-state';
import { sendPage, type WebDeps } from '../context';
import { linkQuery } from '../forms-schema';
import {
  checkQuota,
  discardUpload,
  incomingDir,
  keepUpload,
  receiveUpload,
  sizeText,
  UploadRefused,
  type PendingUpload,
} from '../../files/uploads';
import type { unitKit } from './link';
import { REPORTABLE, type Kept } from './view';

const TITLE = 'Báo cáo kết quả thực hiện';

/**
 * The report form and its multipart POST. The file streams to a temporary place while it is hashed and
 * checked, and is kept only once the Office service has recorded the report: a refusal of any kind (the
 * unit's stage, the file, the text, the workflow) leaves nothing on disk.
 */
export function reportRoutes(app: FastifyInstance, deps: WebDeps, k: ReturnType<typeof unitKit>): void {
  const { office, config } = deps;
  const uploadsRoot = join(config.CHIDAO_DATA_DIR, 'uploads');
  const max = config.CHIDAO_UPLOAD_MAX_BYTES;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/u/report', { schema: { querystring: linkQuery } }, async (req, reply) =>
    sendPage(reply, TITLE, k.reportForm(await k.seen(await k.load(req.query.t ?? '', ['report']), req))),
  );

  r.post('/u/report', { ...k.perUnit, schema: { querystring: linkQuery } }, async (req, reply) => {
    const v = await k.load(req.query.t ?? '', ['report']);
    const page = (kept: Kept, status: number) => sendPage(reply, TITLE, k.reportForm(v, kept), { status });
    // Refuse before reading the body: a unit that may not report now stores nothing.
    if (!REPORTABLE.includes(v.unit.stage))
      return page(
        {
          error:
            v.unit.stage === 'reported'
              ? 'Báo cáo trước đang chờ Văn phòng xem xét; chưa thể gửi báo cáo mới.'
              : 'Đơn vị hiện không có báo cáo nào phải gửi.',
        },
        409,
      );
    const unitDir = join(uploadsRoot, v.claims.run, v.claims.unit);
    let text = '';
    let upload: PendingUpload | undefined;
    let refused: { message: string; status: number } | undefined;
    try {
      try {
        // A field is cut at fieldSize bytes: 4 bytes a character at most, so a cut text is over the limit.
        const limits = { fileSize: max, files: 1, fields: 4, fieldSize: 4 * LIMITS.reportText };
        for await (const part of req.parts({ limits })) {
          if (part.type === 'file') {
            if (!part.filename || upload) {
              part.file.resume();
              continue;
            }
            try {
              upload = await receiveUpload(part.file, part.filename, incomingDir(uploadsRoot), max);
              checkQuota(upload, unitDir, config.CHIDAO_UPLOAD_QUOTA_BYTES);
            } catch (e) {
              if (!(e instanceof UploadRefused)) throw e;
              refused ??= { message: e.message, status: 422 };
            }
          } else if (part.fieldname === 'text') {
            text = String(part.value).normalize('NFC').trim();
            if (part.valueTruncated || text.length > LIMITS.reportText)
              refused ??= {
                message: `Nội dung báo cáo dài hơn giới hạn ${LIMITS.reportText.toLocaleString('vi-VN')} ký tự; phần dài xin gửi kèm tệp.`,
                status: 422,
              };
          }
        }
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        // The parser reports an oversized file once more after the part itself was refused.
        if (code === 'FST_REQ_FILE_TOO_LARGE')
          refused ??= { message: `Tệp lớn hơn giới hạn ${sizeText(max)}.`, status: 422 };
        else if (e instanceof UploadRefused) refused ??= { message: e.message, status: 422 };
        // Anything else from the parser is a malformed body (a cut upload, a bad boundary): the
        // visitor's request, not our fault.
        else refused ??= { message: 'Biểu mẫu gửi lên không hợp lệ hoặc bị cắt giữa chừng.', status: 400 };
      }
      // Nothing is lost on a refusal: the form comes back with what was typed.
      if (refused) return page({ text, error: `${refused.message} Báo cáo chưa được gửi.` }, refused.status);
      if (!text) return page({ error: 'Nội dung báo cáo không được để trống. Báo cáo chưa được gửi.' }, 422);
      const file = upload ? { fileName: upload.fileName, sha256: upload.sha256 } : undefined;
      const res = await k.orForm(reply, v, TITLE, { text }, () =>
        office.report({ ...k.ref(v), by: k.actor(v, req), text, ...(file ? { file } : {}) }),
      );
      if (!res.ok) return res.reply;
      const b: UnitBrief = res.value;
      const kept = upload;
      if (upload) {
        keepUpload(upload, unitDir);
        upload = undefined;
      }
      const withFile = kept ? ` kèm tệp "${kept.fileName}" (SHA-256 ${kept.sha256.slice(0, 12)}…)` : '';
      return k.done(reply, v, b, 'Đã gửi báo cáo', `Văn phòng đã nhận báo cáo của ${b.unit.name}${withFile}.`);
    } finally {
      // Kept only once the report is recorded; any refusal or failure leaves nothing behind.
      discardUpload(upload);
    }
  });
}
