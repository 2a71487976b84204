import { NO_REGISTRY, registryForRuns } from '../registry-for-runs';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebDeps } from '../context';
import { directiveInputSchema, directiveKey, directiveRef } from '../../domain/directive';
import { buildPlan } from '../../domain/plan';
import { calendarFromConfig } from '../../files/calendar-config';
import { policiesFromConfig } from '../../files/policy-config';
import type { Permission } from '../../domain/staff-roles';
import { pointer, problem } from './problem';
import { apiSignature } from './signature';

type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * POST /api/v1/runs: a directive as JSON (the same fields as the YAML file), resolved against the
 * registry in effect (imported, or CHIDAO_REGISTRY_FILE) and started at once. Every problem points at its field.
 */
export function startRoute(r: Api, deps: WebDeps, config: { permission: Permission }, tags: string[]): void {
  r.post(
    '/runs',
    {
      config,
      schema: {
        tags,
        summary: 'Bắt đầu đợt gửi từ công văn dạng JSON (các trường như tệp YAML)',
        body: z.object({ directive: z.record(z.string(), z.unknown()) }),
      },
    },
    async (req, reply) => {
      const registry = registryForRuns(deps.registries, deps.config);
      if (!registry) return problem(reply, 503, 'Chưa có danh mục đơn vị', NO_REGISTRY, { type: 'NoRegistry' });
      const parsed = directiveInputSchema.safeParse(req.body.directive);
      if (!parsed.success)
        return problem(reply, 422, 'Công văn không hợp lệ', 'Nội dung công văn có lỗi; chưa bắt đầu gì.', {
          type: 'InvalidDirective',
          errors: parsed.error.issues.map((i) => ({ pointer: pointer(['directive', ...i.path]), detail: i.message })),
        });
      const { calendar, override } = calendarFromConfig(deps.config);
      const built = buildPlan(parsed.data, registry, {
        now: deps.now(),
        calendar,
        policies: policiesFromConfig(deps.config),
      });
      if (!built.plan)
        return problem(reply, 422, 'Công văn không hợp lệ', 'Nơi nhận hoặc thời hạn không hợp lệ; chưa bắt đầu gì.', {
          type: 'InvalidDirective',
          errors: built.issues.map((i) => ({ pointer: pointer(['directive', ...i.path]), detail: i.message })),
        });
      const plan = built.plan;
      const started = await deps.office.start(plan, {
        ...(override ? { calendarOverride: override } : {}),
        startedBy: apiSignature(req),
      });
      return reply.code(201).send({
        key: directiveKey(plan.directive),
        ref: directiveRef(plan.directive),
        workflowId: started.workflowId,
        recipients: plan.recipients.length,
      });
    },
  );
}
