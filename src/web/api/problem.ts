import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { OfficeRefusal } from '../../office';
import { AccountRefusal } from '../../accounts/accounts';
import { InvalidInputError, SecretDocumentError } from '../../domain/errors';
import { pageErrorOf } from '../context';

/** One problem with one field: a JSON Pointer into the request, and what is wrong, in Vietnamese. */
export interface FieldProblem {
  pointer: string;
  detail: string;
}

/**
 * An RFC 9457 problem: `type` names the kind of refusal (the Office's refusal type where there is one),
 * `detail` says it in Vietnamese, `errors` points at the fields.
 */
export function problem(
  reply: FastifyReply,
  status: number,
  title: string,
  detail: string,
  o: { type?: string; errors?: FieldProblem[] } = {},
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .send({
      type: `https://chidao.example/problems/${o.type ?? String(status)}`,
      title,
      status,
      detail,
      ...(o.errors?.length ? { errors: o.errors } : {}),
    });
}

/** A JSON Pointer (RFC 6901) from a path of keys. */
export const pointer = (path: readonly PropertyKey[]) =>
  `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/** Our words for what the framework refuses (its own messages are English and name its internals). */
const FIXED_DETAIL: Record<number, string> = {
  400: 'Thân yêu cầu không phải JSON hợp lệ.',
  413: 'Dữ liệu gửi lên quá lớn.',
  415: 'Chỉ nhận dữ liệu dạng application/json.',
};

/** Every failure of the API as a problem; the pages' HTML error handler never answers here. */
export function apiErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof OfficeRefusal) {
    if (err.type === 'NotFound') return problem(reply, 404, 'Không tìm thấy', err.message, { type: 'NotFound' });
    if (err.isInput)
      return problem(reply, 422, 'Dữ liệu không hợp lệ', err.message, {
        type: err.type,
        errors: err.field ? [{ pointer: `/${err.field}`, detail: err.detail ?? err.message }] : [],
      });
    return problem(reply, 409, 'Không thực hiện được', err.message, { type: err.type });
  }
  if (err instanceof AccountRefusal) return problem(reply, 422, 'Không thực hiện được', err.message);
  if (err instanceof InvalidInputError)
    return problem(reply, 422, 'Công văn không hợp lệ', 'Nội dung công văn có lỗi; chưa bắt đầu gì.', {
      type: 'InvalidDirective',
      errors: err.issues.map((i) => ({
        pointer: `/directive/${i.path
          .replace(/\[(\d+)\]/g, '.$1')
          .split('.')
          .filter(Boolean)
          .join('/')}`,
        detail: i.message,
      })),
    });
  if (err instanceof SecretDocumentError)
    return problem(reply, 422, 'Văn bản mật', err.reason, {
      type: 'SecretDocument',
      errors: [{ pointer: '/directive/confidentiality', detail: err.reason }],
    });
  if (hasZodFastifySchemaValidationErrors(err))
    return problem(
      reply,
      400,
      'Yêu cầu không đúng dạng',
      'Yêu cầu không đúng dạng đã công bố (xem /api/openapi.json).',
      {
        type: 'Malformed',
        errors: err.validation.map((v) => ({
          pointer: `/${err.validationContext ?? 'body'}${v.instancePath}`,
          detail: v.message ?? 'không hợp lệ',
        })),
      },
    );
  const page = pageErrorOf(err);
  if (page) return problem(reply, page.status, page.title, page.message);
  const status = err.statusCode ?? 500;
  if (status >= 500) req.log.error(err);
  return problem(
    reply,
    status,
    status < 500 ? 'Yêu cầu không hợp lệ' : 'Lỗi hệ thống',
    FIXED_DETAIL[status] ??
      (status < 500
        ? 'Yêu cầu không hợp lệ.'
        : 'Hệ thống gặp lỗi khi xử lý yêu cầu; chưa có thay đổi nào được ghi nhận nếu không có kết quả thành công.'),
  );
}
