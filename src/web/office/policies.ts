import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendPage, type WebDeps } from '../context';
import { csrfBody, formText } from '../forms-schema';
import { html, type Html } from '../html';
import type { OfficeSessionCookies } from '../plugins/session';
import { mayAct, navOf, sessionOf, signedBy } from './auth';
import { deadlineText, policyText } from './new-run-form';
import { URGENCIES, URGENCY_LABEL } from '../../domain/directive';
import { formatDuration } from '../../domain/duration';
import { policyInputSchema, type Policy } from '../../domain/policy';
import type { Urgency } from '../../domain/urgency-policies';
import { policiesFromConfig, savePolicy, writtenPolicies } from '../../files/policy-config';

const STEPS = 3;
const NOTIFY: [string, string][] = [
  ['head', 'Thủ trưởng đơn vị'],
  ['leader', 'Lãnh đạo phụ trách'],
  ['office', 'Văn phòng'],
];

/** One urgency's form as typed: strings as the administrator writes them, boxes as "1". */
type Typed = Record<string, string>;
type Errors = Record<string, string>;

function typedOf(p: Policy): Typed {
  const t: Typed = {
    ackDue: deadlineText(p.acknowledge.due),
    reminders: p.reminders.map(formatDuration).join(', '),
    ...(p.officeHours ? { officeHours: '1' } : {}),
    ...(p.requireView ? { requireView: '1' } : {}),
  };
  p.escalation.slice(0, STEPS).forEach((e, i) => {
    t[`esc${i + 1}After`] = formatDuration(e.after);
    t[`esc${i + 1}Notify`] = e.notify;
  });
  return t;
}

/** The typed form as a policy file writes it; empty reminder and escalation boxes mean none. */
function writtenOf(t: Typed): Record<string, unknown> {
  const list = (t.reminders ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const escalation = [];
  for (let i = 1; i <= STEPS; i++)
    if (t[`esc${i}After`]) escalation.push({ after: t[`esc${i}After`], notify: t[`esc${i}Notify`] || 'office' });
  return {
    acknowledge: { due: t.ackDue ?? '' },
    reminders: list,
    escalation,
    officeHours: t.officeHours === '1',
    ...(t.requireView === '1' ? { requireView: true } : {}),
  };
}

/** zod's issue paths to the form's boxes. */
function errorsOf(issues: z.core.$ZodIssue[]): Errors {
  const e: Errors = {};
  for (const i of issues) {
    const [a, b, c] = i.path;
    const box =
      a === 'acknowledge'
        ? 'ackDue'
        : a === 'reminders'
          ? 'reminders'
          : a === 'escalation' && typeof b === 'number'
            ? `esc${b + 1}${c === 'notify' ? 'Notify' : 'After'}`
            : 'general';
    e[box] ??= i.message;
  }
  return e;
}

function form(u: Urgency, csrf: string, t: Typed, errors: Errors): Html {
  const id = (name: string) => `${u}-${name}`;
  const box = (name: string, label: string, hint = '') => {
    const err = errors[name];
    return html`<label for="${id(name)}">${label}</label>${hint ? html`<span class="hint">${hint}</span>` : ''}
      <input
        id="${id(name)}"
        name="${name}"
        type="text"
        maxlength="200"
        value="${t[name] ?? ''}"
        ${err ? html`aria-invalid="true" aria-describedby="${id(name)}-error"` : ''}
      />${err ? html`<p class="field-error" id="${id(name)}-error">${err}</p>` : ''}`;
  };
  const check = (name: string, label: string) =>
    html`<p>
      <input type="checkbox" id="${id(name)}" name="${name}" value="1" ${t[name] === '1' ? html`checked` : ''} /><label
        for="${id(name)}"
        class="inline"
        >${label}</label
      >
    </p>`;
  return html`<form class="stack" method="post" action="/office/policies/${u}">
    <input type="hidden" name="csrf" value="${csrf}" />
    ${errors.general ? html`<p class="field-error">${errors.general}</p>` : ''}
    ${box('ackDue', 'Hạn xác nhận đã nhận', 'ví dụ: 1 ngày làm việc, 4 giờ')}
    ${box('reminders', 'Nhắc trước hạn (cách nhau dấu phẩy; để trống: không nhắc)')}
    ${Array.from({ length: STEPS }, (_, k) => k + 1).map(
      (i) =>
        html`${box(`esc${i}After`, `Quá hạn bước ${i}: sau (để trống: không có bước này)`)}
          <label for="${id(`esc${i}Notify`)}">Bước ${i}: báo cho</label>
          <select id="${id(`esc${i}Notify`)}" name="esc${i}Notify">
            ${NOTIFY.map(
              ([v, l]) => html`<option value="${v}" ${t[`esc${i}Notify`] === v ? html`selected` : ''}>${l}</option>`,
            )}
          </select>`,
    )}
    ${check('officeHours', 'Chỉ nhắc và báo lên trong giờ hành chính của ngày làm việc')}
    ${check('requireView', 'Đơn vị phải mở văn bản đã ký số trước khi xác nhận đã nhận')}
    <button type="submit">Lưu mặc định ${URGENCY_LABEL[u]}</button>
  </form>`;
}

const urgencyParams = z.object({ urgency: z.enum(URGENCIES) });
const body = csrfBody.extend(
  Object.fromEntries(
    [
      'ackDue',
      'reminders',
      'officeHours',
      'requireView',
      ...Array.from({ length: STEPS }, (_, k) => [`esc${k + 1}After`, `esc${k + 1}Notify`]).flat(),
    ].map((k) => [k, formText]),
  ),
);

/**
 * The follow-up each urgency gets by default (what the new-run form leaves empty takes): everyone who sees
 * runs reads it; the administrator edits it here, unless the table is kept in CHIDAO_POLICY_FILE.
 */
export function policyRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const csrf = (req: FastifyRequest) => sessions.csrf(sessionOf(req));
  const show = (
    req: FastifyRequest,
    reply: FastifyReply,
    o: { urgency?: Urgency; typed?: Typed; errors?: Errors; saved?: Urgency; status?: number } = {},
  ) => {
    const table = policiesFromConfig(deps.config);
    const file = deps.config.CHIDAO_POLICY_FILE;
    const editable = mayAct(req, 'admin') && !file;
    return sendPage(
      reply,
      'Mặc định theo độ khẩn',
      html`${
          o.saved
            ? html`<div class="notice ok" role="status">
                <p>Đã lưu mặc định ${URGENCY_LABEL[o.saved]}; các đợt gửi mới từ nay dùng nó.</p>
              </div>`
            : ''
        }
        ${
          file
            ? html`<p class="hint">
                Bảng này lấy từ tệp <code>${file}</code> (CHIDAO_POLICY_FILE): sửa tệp đó, hoặc bỏ biến này để sửa ở
                đây.
              </p>`
            : ''
        }
        <p>
          Ô nào trong biểu mẫu đợt gửi mới để trống thì theo mặc định của độ khẩn đã chọn. Đổi mặc định không đổi các
          đợt đã gửi.
        </p>
        ${URGENCIES.map(
          (u) =>
            html`<section id="${u}">
              <h2>${URGENCY_LABEL[u]}</h2>
              <p data-policy="${u}">${policyText(table[u])}</p>
              ${
                editable
                  ? form(u, csrf(req), o.urgency === u ? o.typed! : typedOf(table[u]), o.urgency === u ? o.errors! : {})
                  : ''
              }
            </section>`,
        )}`,
      { status: o.status ?? 200, nav: navOf(req) },
    );
  };

  r.get('/office/policies', { config: { permission: 'runs.view' } }, async (req, reply) => show(req, reply));

  r.post(
    '/office/policies/:urgency',
    { config: { permission: 'admin' }, schema: { params: urgencyParams, body } },
    async (req, reply) => {
      const { urgency } = req.params;
      const typed = Object.fromEntries(Object.entries(req.body).filter(([k]) => k !== 'csrf')) as Typed;
      if (deps.config.CHIDAO_POLICY_FILE)
        return show(req, reply, {
          urgency,
          typed,
          errors: { general: 'Bảng đang lấy từ CHIDAO_POLICY_FILE; sửa tệp đó.' },
          status: 409,
        });
      const written = { ...writtenPolicies(deps.config)[urgency], ...writtenOf(typed) };
      const checked = policyInputSchema.safeParse(written);
      if (!checked.success)
        return show(req, reply, { urgency, typed, errors: errorsOf(checked.error.issues), status: 422 });
      savePolicy(deps.config, urgency, written, signedBy(req), deps.now());
      return show(req, reply, { saved: urgency });
    },
  );
}
