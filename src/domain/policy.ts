import { z } from 'zod';
import { isLocalDate } from './calendar';
import { parseDuration, type Duration } from './duration';
import type { DeadlineSpec } from './schedule';

export const durationSchema = z.string().transform((s, ctx): Duration => {
  try {
    return parseDuration(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** "2023-12-15" (a date), "2023-12-15T17:00:00+07:00" (an instant) or "10 ngày làm việc" (after dispatch). */
export const deadlineSchema = z.string().transform((s, ctx): DeadlineSpec => {
  const t = s.trim();
  if (isLocalDate(t)) return { date: t };
  if (DATETIME_RE.test(t) && !Number.isNaN(Date.parse(t))) return { instant: Date.parse(t) };
  try {
    return { within: parseDuration(t) };
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `hạn không hợp lệ "${s}": dùng ngày (2023-12-15), thời điểm (2023-12-15T17:00:00+07:00) hoặc khoảng thời gian ("10 ngày làm việc", "PT30S")`,
    });
    return z.NEVER;
  }
});

/** A period between recurring reports: "6 months" / "6 tháng", or a Duration. */
export type Period = { kind: 'months'; months: number } | Duration;
const periodSchema = z.string().transform((s, ctx): Period => {
  const m = /^(\d+)\s*(months?|tháng)$/i.exec(s.trim());
  if (m) return { kind: 'months', months: Number(m[1]) };
  try {
    return parseDuration(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

// Strict objects: a misspelt key ("reminder", "escalaton") must be an error, not a default policy.
export const reportObligationSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'mã báo cáo chỉ gồm chữ thường không dấu, số và "-"'),
  title: z.string().min(1),
  /** A one-off report's deadline, or the first cycle's deadline of a recurring one. */
  due: deadlineSchema,
  /** Recurring reports (sơ kết 6 tháng, tổng kết năm): `count` cycles, `every` apart. */
  recurrence: z.strictObject({ every: periodSchema, count: z.number().int().min(2).max(100) }).optional(),
});
export type ReportObligation = z.infer<typeof reportObligationSchema>;

export const escalationStepSchema = z.strictObject({
  after: durationSchema,
  notify: z.enum(['head', 'leader', 'office']),
});
export type EscalationStep = z.infer<typeof escalationStepSchema>;

const acknowledgeSchema = z.strictObject({ due: deadlineSchema });
const digestSchema = z.strictObject({ every: durationSchema });

/**
 * A policy as a directive or an administrator writes it: every field optional, nothing defaulted. What is
 * left out comes from the defaults for the directive's urgency (see `urgency-policies.ts`).
 */
export const policyInputSchema = z.strictObject({
  acknowledge: acknowledgeSchema.optional(),
  reports: z.array(reportObligationSchema).max(20).optional(),
  /** How long before each deadline to remind (đôn đốc); "0 ngày" is the morning of the day. */
  reminders: z.array(durationSchema).max(500).optional(),
  escalation: z.array(escalationStepSchema).max(20).optional(),
  /** The Office's digest of the run, every `every` (e.g. "1 ngày", "PT1M"). */
  digest: digestSchema.optional(),
  /** Stop a unit's clock while its difficulty waits for the Office's answer; the deadline moves on after. */
  pauseWhileDifficultyOpen: z.boolean().optional(),
  /**
   * Reminders and escalations only in office hours (08:00–17:00) of working days: one due at 18:30 on a
   * Friday goes out at 08:00 on Monday. Deadlines themselves are never moved by it.
   */
  officeHours: z.boolean().optional(),
  /**
   * After a correction (đính chính, thay thế) a unit that had acknowledged keeps its acknowledgement;
   * otherwise (the default) it is asked to acknowledge the new version.
   */
  correctionKeepsAcknowledgement: z.boolean().optional(),
  /**
   * A unit acknowledges through its link only after opening the signed document from its page (the page
   * itself, for a run sent without a file). The Office's records and email replies are not held by it.
   */
  requireView: z.boolean().optional(),
});
export type PolicyInput = z.infer<typeof policyInputSchema>;

/** A whole policy: what a run follows once its urgency's defaults have filled in what was left out. */
export const policySchema = z.strictObject({
  /** Decree 30 asks for a same-day notice of arrival; one working day leaves room for a records desk. */
  acknowledge: acknowledgeSchema.default({ due: { within: { kind: 'working', days: 1 } } }),
  reports: z.array(reportObligationSchema).max(20).default([]),
  reminders: z
    .array(durationSchema)
    .max(500)
    .default([
      { kind: 'working', days: 3 },
      { kind: 'working', days: 1 },
      { kind: 'calendar', days: 0 },
    ]),
  escalation: z
    .array(escalationStepSchema)
    .max(20)
    .default([
      { after: { kind: 'working', days: 1 }, notify: 'head' },
      { after: { kind: 'working', days: 3 }, notify: 'leader' },
      { after: { kind: 'working', days: 5 }, notify: 'office' },
    ]),
  digest: digestSchema.optional(),
  pauseWhileDifficultyOpen: z.boolean().optional(),
  officeHours: z.boolean().optional(),
  correctionKeepsAcknowledgement: z.boolean().optional(),
  requireView: z.boolean().optional(),
});
export type Policy = z.infer<typeof policySchema>;
