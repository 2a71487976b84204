import { NO_REGISTRY, registryForRuns } from '../registry-for-runs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { draftDocument } from './document-part';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PageError, sendPage, type WebDeps } from '../context';
import { csrfBody } from '../forms-schema';
import type { OfficeSessionCookies } from '../plugins/session';
import { navOf, sessionOf, signedBy } from './auth';
import { newRunForm, previewView, type Draft, type DraftErrors } from './new-run-view';
import { runFormView } from './new-run-form';
import { directiveFromForm, type FieldErrors, type RunForm } from './new-run-fields';
import { formDefaults, rememberForm } from './new-run-defaults';
import { stringify } from 'yaml';
import { DocumentStore, MAX_DOCUMENT_BYTES } from '../../documents/store';
import { MAX_INPUT_BYTES, planFromText } from '../../files/load';
import { calendarFromConfig } from '../../files/calendar-config';
import { policiesFromConfig } from '../../files/policy-config';
import { InvalidInputError, SecretDocumentError } from '../../domain/errors';
import { directiveKey, directiveRef } from '../../domain/directive';
import type { DisseminationPlan } from '../../domain/plan';
import type { Registry } from '../../domain/registry';
import { previewDispatch } from '../../domain/dispatch-preview';
import { renderMessage } from '../../domain/templates';
import { renderPlan } from '../../cli/render';
import { OfficeRefusal } from '../../office';

const TITLE = 'Bắt đầu đợt gửi mới';
const registryLabel = (r: Registry) => `${r.name} (${r.id}, hiệu lực từ ${r.effective})`;
const SOURCE = 'ô Nội dung công văn';

/**
 * Starting a run from the browser: the signed document and the directive's content, a preview of what
 * will be sent (plan, deadlines, the email), then the start. The document is stored once by its SHA-256
 * and attached to every dispatch; the run and its history name the hash.
 */
export function newRunRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const config = { permission: 'runs.start' as const };
  const documents = new DocumentStore(deps.config.CHIDAO_DATA_DIR);
  const csrf = (req: FastifyRequest) => sessions.csrf(sessionOf(req));
  const registry = (): Registry => {
    const reg = registryForRuns(deps.registries, deps.config);
    if (!reg) throw new PageError(503, 'Chưa có danh mục đơn vị', NO_REGISTRY);
    return reg;
  };
  const form = (req: FastifyRequest, reply: FastifyReply, draft?: Draft, errors?: DraftErrors, status = 200) =>
    draft?.form
      ? fieldsForm(req, reply, draft.form, draft.document, formErrors(errors), status)
      : sendPage(reply, TITLE, newRunForm(csrf(req), registryLabel(registry()), draft, errors), {
          status,
          nav: navOf(req),
        });
  const fieldsForm = (
    req: FastifyRequest,
    reply: FastifyReply,
    f: RunForm,
    document: Draft['document'],
    errors: FieldErrors = {},
    status = 200,
  ) =>
    sendPage(reply, TITLE, runFormView(csrf(req), registry(), policiesFromConfig(deps.config), f, errors, document), {
      status,
      nav: navOf(req),
    });
  /** A refusal of the YAML the form became, put beside the field it is about. */
  const formErrors = (e?: DraftErrors): FieldErrors => {
    const out: FieldErrors = {};
    if (e?.document) out.document = e.document;
    if (e?.general) out.general = e.general;
    if (e?.directive) {
      if (/đã được gửi; mỗi số chỉ dùng một lần/.test(e.directive)) out.number = e.directive;
      else if (/mật/i.test(e.directive)) out.confidentiality = e.directive;
      else if (/recipients|nơi nhận/i.test(e.directive)) out.recipients = e.directive;
      else out.general = e.directive;
    }
    return out;
  };

  /**
   * The plan as it would start now, with the moment and calendar it was made with (so the preview and the
   * start read the calendar file once), or the refusal to show beside the directive's field.
   */
  async function plan(draft: Draft): Promise<{
    plan?: DisseminationPlan;
    errors?: DraftErrors;
    now?: number;
    cal?: ReturnType<typeof calendarFromConfig>;
  }> {
    const now = deps.now();
    try {
      const cal = calendarFromConfig(deps.config);
      const p = planFromText(draft.directive, SOURCE, registry(), {
        now,
        calendar: cal.calendar,
        policies: policiesFromConfig(deps.config),
      });
      if (await deps.office.exists(directiveKey(p.directive)))
        return {
          errors: {
            directive: `Số ${directiveRef(p.directive)} năm ${p.directive.date.slice(0, 4)} đã được gửi; mỗi số chỉ dùng một lần trong năm.`,
          },
        };
      return { plan: p, now, cal };
    } catch (e) {
      if (e instanceof InvalidInputError || e instanceof SecretDocumentError)
        return { errors: { directive: e.message } };
      throw e;
    }
  }

  /** The document kept from an earlier step, checked again against the store. */
  function keptDocument(sha: string, fileName: string): Draft['document'] {
    if (!documents.has(sha)) return undefined;
    return { sha256: sha, fileName, size: documents.size(sha) };
  }

  r.get(
    '/office/runs/new',
    { config, schema: { querystring: z.object({ yaml: z.string().max(2).optional() }) } },
    async (req, reply) =>
      req.query.yaml
        ? form(req, reply)
        : fieldsForm(req, reply, formDefaults(deps.config.CHIDAO_DATA_DIR, deps.now()), undefined),
  );

  r.post(
    '/office/runs/new',
    // Each preview stores its upload (as a draft, swept after a day): thirty an address in 15 minutes.
    {
      config: { ...config, rateLimit: { max: 30, timeWindow: '15 minutes' } },
      schema: { querystring: z.object({ edit: z.string().max(2).optional() }).loose() },
    },
    async (req, reply) => {
      const draft: Draft = { directive: '' };
      const errors: DraftErrors = {};
      let sha = '';
      let name = '';
      let mode = '';
      let state = '';
      const f: RunForm = { fields: {}, picks: [] };
      // The structured form has two fields per unit of the registry (tick and purpose) and about forty more.
      const fields = 2 * registry().units.length + 200;
      const limits = { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields, fieldSize: MAX_INPUT_BYTES.directive };
      // An oversized file is cut and marked, not thrown: the form comes back with what was typed.
      // (@fastify/multipart reads throwFileSizeLimit per call; its types list it for the plugin only.)
      const options = { limits, throwFileSizeLimit: false };
      for await (const part of req.parts(options)) {
        if (part.type === 'file') {
          const got = await draftDocument(part, documents);
          if (got && 'error' in got) errors.document = got.error;
          else if (got) draft.document = got.document;
        } else if (part.fieldname === 'directive') {
          draft.directive = String(part.value);
          if (part.valueTruncated)
            errors.directive = `Nội dung công văn dài quá ${MAX_INPUT_BYTES.directive / 1024 / 1024} MiB.`;
        } else if (part.fieldname === 'documentSha') sha = String(part.value).slice(0, 64);
        else if (part.fieldname === 'documentName') name = String(part.value).slice(0, 255);
        else if (part.fieldname === 'mode') mode = String(part.value);
        else if (part.fieldname === 'formState') state = String(part.value);
        else if (part.fieldname === 'pick') f.picks.push(String(part.value).slice(0, 200));
        else f.fields[part.fieldname.slice(0, 200)] = String(part.value);
      }
      draft.document ??= sha ? keptDocument(sha, name) : undefined;
      // "Sửa lại" from the preview of a filled form: the form comes back as it was.
      if (state) Object.assign(f, parseState(state));
      if (mode === 'form') {
        draft.form = f;
        if (req.query.edit) return fieldsForm(req, reply, f, draft.document);
        const built = directiveFromForm(f, registry());
        const fe: FieldErrors = { ...built.errors };
        if (!draft.document && !errors.document) fe.document = 'Cần tải lên văn bản đã ký số.';
        else if (errors.document) fe.document = errors.document;
        if (Object.keys(fe).length || !built.directive) return fieldsForm(req, reply, f, draft.document, fe, 422);
        draft.directive = stringify(built.directive);
      }
      if (req.query.edit) return form(req, reply, draft);
      if (!draft.document && !errors.document) errors.document = 'Cần tải lên văn bản đã ký số.';
      if (!draft.directive.trim()) errors.directive ??= 'Cần nội dung công văn.';
      if (errors.document || errors.directive) return form(req, reply, draft, errors, 422);
      const planned = await plan(draft);
      if (!planned.plan || !planned.cal || planned.now === undefined)
        return form(req, reply, draft, planned.errors, 422);
      const { now } = planned;
      const cal = planned.cal.calendar;
      const email = renderMessage(previewDispatch(planned.plan, now, cal), {
        acknowledge: `${deps.config.CHIDAO_PUBLIC_URL}/u/acknowledge?t=…`,
        report: `${deps.config.CHIDAO_PUBLIC_URL}/u/report?t=…`,
        status: `${deps.config.CHIDAO_PUBLIC_URL}/u/status?t=…`,
      });
      return sendPage(
        reply,
        `Xem trước: ${directiveRef(planned.plan.directive)}`,
        previewView(csrf(req), draft, renderPlan(planned.plan, now, cal), email),
        { nav: navOf(req) },
      );
    },
  );

  const startBody = csrfBody.extend({
    directive: z
      .string()
      .max(MAX_INPUT_BYTES.directive * 4)
      .default(''),
    documentSha: z.string().max(64).default(''),
    documentName: z.string().max(255).default(''),
  });
  r.post(
    '/office/runs/start',
    // The directive's text comes back whole: up to the directive file's limit, beyond the forms' 256 KiB.
    { config, bodyLimit: 5 * MAX_INPUT_BYTES.directive, schema: { body: startBody } },
    async (req, reply) => {
      const document = keptDocument(req.body.documentSha, req.body.documentName);
      const draft: Draft = { directive: req.body.directive, document };
      if (!document) return form(req, reply, draft, { document: 'Cần tải lên văn bản đã ký số.' }, 422);
      const planned = await plan(draft);
      if (!planned.plan) return form(req, reply, draft, planned.errors, 422);
      const bytes = documents.read(document);
      const ref = documents.put(document.fileName, bytes, { draft: true });
      documents.promote(ref.sha256);
      const run = { ...planned.plan, directive: { ...planned.plan.directive, document: ref } };
      const override = planned.cal?.override;
      // The answer comes once the run exists; recipients go on being added behind it, and the run's page
      // shows how far that is (10,000 units take a while). A start that stops halfway (a restart of this
      // server) is completed by "Bắt đầu gửi" again: it resumes from the run's roster.
      let started = false;
      const refused = await new Promise<unknown>((resolve) => {
        deps.office
          .start(run, {
            ...(override ? { calendarOverride: override } : {}),
            startedBy: signedBy(req),
            onProgress: () => {
              started = true;
              resolve(undefined);
            },
          })
          .then(
            () => resolve(undefined),
            (e: unknown) => {
              if (!started) return resolve(e);
              req.log.error({ err: e, run: directiveKey(run.directive) }, 'adding recipients stopped');
            },
          );
      });
      if (refused instanceof OfficeRefusal) return form(req, reply, draft, { general: refused.message }, 409);
      if (refused) throw refused;
      rememberForm(deps.config.CHIDAO_DATA_DIR, run.directive);
      return reply.redirect(`/office/run/${directiveKey(run.directive)}?done=started`, 303);
    },
  );
}

/** The form as the preview carried it back (JSON in a hidden field); anything else is an empty form. */
function parseState(text: string): RunForm {
  try {
    const v = JSON.parse(text.slice(0, 2_000_000)) as { fields?: unknown; picks?: unknown };
    const fields: Record<string, string> = {};
    if (v.fields && typeof v.fields === 'object')
      for (const [k, x] of Object.entries(v.fields)) if (typeof x === 'string') fields[k] = x;
    const picks = Array.isArray(v.picks) ? v.picks.filter((x): x is string => typeof x === 'string') : [];
    return { fields, picks };
  } catch {
    return { fields: {}, picks: [] };
  }
}
