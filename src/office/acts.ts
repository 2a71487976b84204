import { z } from 'zod';
import { LIMITS } from '../domain/unit-state';
import { VIAS } from '../domain/unit-model';
import { CORRECTION_KINDS, CORRECTION_LIMITS } from '../domain/correction';
import { documentRefSchema } from '../domain/document';
import { BOUNCE_LIMITS } from '../domain/unit-bounce';
import {
  boundedText,
  deadlineInput,
  difficultyIdSchema,
  emailsSchema,
  officerSchema,
  runKeySchema,
  unitCodeSchema,
} from './input';

/**
 * The input of each of the Office's acts. Fields are checked in the order written here, so the first
 * refusal is the one a person filling the form from the top meets first.
 */
const onRun = { key: runKeySchema };
const onUnit = { key: runKeySchema, unit: unitCodeSchema };

/** Who acts for a unit: the unit itself through its link, or the Office recording a phone call. */
export const actorSchema = z.object({
  channel: z.enum(['link', 'office', 'email']),
  by: officerSchema,
  via: z.enum(VIAS).optional(),
  ip: z.string().max(100).optional(),
  userAgent: z.string().max(300).optional(),
  auth: z.string().max(300).optional(),
});

export const acknowledge = z.object({ ...onUnit, by: actorSchema });
export const viewed = acknowledge.extend({ document: z.boolean().optional() });

export const report = z.object({
  ...onUnit,
  by: actorSchema,
  text: boundedText({
    label: 'Nội dung báo cáo',
    max: LIMITS.reportText,
    missing: 'Nội dung báo cáo không được để trống.',
  }),
  file: z.object({ fileName: z.string().min(1).max(255), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
});

export const raiseDifficulty = z.object({
  ...onUnit,
  by: actorSchema,
  text: boundedText({
    label: 'Nội dung vướng mắc',
    max: LIMITS.difficultyText,
    missing: 'Nội dung vướng mắc không được để trống.',
    tail: 'Chưa gửi.',
  }),
});

export const requestExtension = z.object({
  ...onUnit,
  by: actorSchema,
  until: deadlineInput('Đề nghị gia hạn đến', 'Ngày đề nghị gia hạn không hợp lệ.'),
  reason: boundedText({
    label: 'Lý do',
    max: LIMITS.reason,
    missing: 'Cần nêu lý do đề nghị gia hạn.',
    tail: 'Chưa gửi.',
  }),
});

export const accept = z.object({ ...onUnit, by: officerSchema });

/** A delivery status notification read from the Office's mailbox (see src/inbound). */
export const bounce = z.object({
  ...onUnit,
  by: actorSchema,
  addresses: z.array(z.string().max(320)).min(1).max(BOUNCE_LIMITS.addresses),
  status: z.string().regex(/^5\.\d{1,3}\.\d{1,3}$/),
  diagnostic: z.string().transform((s) => s.slice(0, BOUNCE_LIMITS.diagnostic)),
  messageId: z.string().max(BOUNCE_LIMITS.id),
  reportId: z.string().max(BOUNCE_LIMITS.id),
});

export const returnReport = z.object({
  ...onUnit,
  by: officerSchema,
  reason: boundedText({ label: 'Lý do trả lại', max: LIMITS.reason, missing: 'Cần nêu lý do trả lại báo cáo.' }),
  due: deadlineInput('Hạn báo cáo lại'),
});

export const extend = z.object({
  ...onUnit,
  by: officerSchema,
  until: deadlineInput('Gia hạn đến'),
  reason: boundedText({ label: 'Lý do gia hạn', max: LIMITS.reason }),
});

export const answer = z.object({
  ...onUnit,
  by: officerSchema,
  text: boundedText({ label: 'Nội dung trả lời', max: LIMITS.answerText, missing: 'Cần nhập nội dung trả lời.' }),
  id: difficultyIdSchema,
});

export const correctAddress = z.object({ ...onUnit, by: officerSchema, emails: emailsSchema });
export const resendDispatch = z.object({ ...onUnit, by: officerSchema });

export const recall = z.object({
  ...onRun,
  by: officerSchema,
  reason: boundedText({ label: 'Lý do thu hồi', max: LIMITS.reason, missing: 'Cần nêu lý do thu hồi văn bản.' }),
});

export const close = z.object({
  ...onRun,
  by: officerSchema,
  note: boundedText({ label: 'Ghi chú khi kết thúc', max: LIMITS.reason }),
});

export const correct = z.object({
  ...onRun,
  by: officerSchema,
  kind: z.enum(CORRECTION_KINDS, { error: 'Chọn loại văn bản: đính chính hoặc thay thế.' }),
  changes: boundedText({
    label: 'Nội dung thay đổi',
    max: CORRECTION_LIMITS.changes,
    missing: 'Cần nêu những gì được đính chính hoặc thay thế.',
  }),
  document: documentRefSchema.optional(),
});
