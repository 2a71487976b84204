import { z } from 'zod';
import { deadlineSchema } from '../domain/policy';
import type { DeadlineSpec } from '../domain/schedule';
import { unitCode } from '../domain/registry';
import { LIMITS } from '../domain/unit-state';
import { OfficeRefusal } from './refusal';

/**
 * What the Office's acts accept, as zod schemas: every way in (CLI, pages, API) hands over what it was
 * given, and the same rules refuse it with the same words. A refusal names its type in the issue's
 * params, so `parseInput` can turn the first issue into an OfficeRefusal.
 */
type Params = { type: 'Missing' | 'TooLong' | 'Invalid'; detail?: string };

const vn = (n: number) => n.toLocaleString('vi-VN');

export const RUN_KEY_RE = /^\d{4}-\d+-[A-ZĐ0-9-]+$/;

export const runKeySchema = z.string().transform((s, ctx) => {
  const key = s.trim();
  if (!RUN_KEY_RE.test(key))
    ctx.addIssue({
      code: 'custom',
      message: `Không có đợt gửi "${key}".`,
      params: { type: 'Invalid' } satisfies Params,
    });
  return key;
});

export const unitCodeSchema = z.string().transform((s, ctx) => {
  const code = s.normalize('NFC').trim();
  if (!unitCode.safeParse(code).success || code.length > 100)
    ctx.addIssue({
      code: 'custom',
      message: `Mã đơn vị không hợp lệ: "${code.slice(0, 100)}".`,
      params: { type: 'Invalid' } satisfies Params,
    });
  return code;
});

export interface TextRule {
  /** What the form calls the field, as the message starts: "Lý do thu hồi dài …". */
  label: string;
  max: number;
  /** The message when empty; an empty value is allowed without it. */
  missing?: string;
  /** How a too-long message ends. */
  tail?: string;
}

/** Text as typed (NFC, trimmed), within its limit. */
export const boundedText = ({ label, max, missing, tail = 'Chưa có thay đổi nào được ghi nhận.' }: TextRule) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      const v = (s ?? '').normalize('NFC').trim();
      if (!v && missing)
        ctx.addIssue({ code: 'custom', message: missing, params: { type: 'Missing' } satisfies Params });
      else if (v.length > max)
        ctx.addIssue({
          code: 'custom',
          message: `${label} dài ${vn(v.length)} ký tự, vượt giới hạn ${vn(max)} ký tự. ${tail}`,
          params: { type: 'TooLong' } satisfies Params,
        });
      return v;
    });

/** A deadline as the Office writes it: a date, an instant or a period ("5 ngày làm việc"). */
export const deadlineInput = (label: string, invalid?: string) =>
  z
    .string()
    .optional()
    .transform((s, ctx): DeadlineSpec => {
      const r = deadlineSchema.safeParse((s ?? '').trim().slice(0, 200));
      if (r.success) return r.data;
      const detail = s?.trim() ? r.error.issues[0]!.message : 'thiếu ngày';
      ctx.addIssue({
        code: 'custom',
        message: invalid ?? `${label}: ${detail}`,
        params: { type: 'Invalid', detail } satisfies Params,
      });
      return z.NEVER;
    });

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const emailsSchema = z.array(z.string()).transform((list, ctx) => {
  const emails = list.map((e) => e.trim()).filter(Boolean);
  const bad = emails.find((e) => !EMAIL_RE.test(e) || e.length > 254);
  const fail = (message: string) =>
    ctx.addIssue({ code: 'custom', message, params: { type: 'Invalid', detail: message } satisfies Params });
  if (!emails.length) fail('thiếu <email>');
  else if (bad) fail(`địa chỉ email không hợp lệ: "${bad.slice(0, 254)}"`);
  else if (emails.length > LIMITS.emails) fail(`tối đa ${LIMITS.emails} địa chỉ cho một đơn vị`);
  return emails;
});

export const difficultyIdSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const id = Number(v);
  if (!Number.isInteger(id) || id < 1)
    ctx.addIssue({
      code: 'custom',
      message: 'Số vướng mắc không hợp lệ (1, 2, …).',
      params: { type: 'Invalid' } satisfies Params,
    });
  return id;
});

/** The name that signs the Office's acts in the audit trail. */
export const officerSchema = z
  .string()
  .transform((s) => s.normalize('NFC').trim().slice(0, 200))
  .pipe(z.string().min(1, 'thiếu tên người thao tác'));

/** Parses an act's input; the first problem becomes a typed refusal naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const params = (issue as { params?: Params }).params;
  const field = issue.path.map(String).join('.') || undefined;
  const detail = params?.detail ?? issue.message;
  return fail(new OfficeRefusal(params?.type ?? 'Invalid', issue.message, { field, detail, origin: 'input' }));
}

function fail(e: OfficeRefusal): never {
  throw e;
}
