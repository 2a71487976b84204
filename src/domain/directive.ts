import { z } from 'zod';
import { localDate, unitCode } from './registry';
import { policyInputSchema, type Policy } from './policy';
import { ROLES } from './roles';
import { documentRefSchema } from './document';

export const URGENCIES = ['thuong', 'khan', 'thuong-khan', 'hoa-toc'] as const;
export const URGENCY_LABEL: Record<(typeof URGENCIES)[number], string> = {
  thuong: 'Thường',
  khan: 'Khẩn',
  'thuong-khan': 'Thượng khẩn',
  'hoa-toc': 'Hỏa tốc',
};
export const CONFIDENTIALITY = ['thuong', 'mat', 'toi-mat', 'tuyet-mat'] as const;
export const CONFIDENTIALITY_LABEL: Record<(typeof CONFIDENTIALITY)[number], string> = {
  thuong: 'Thường',
  mat: 'Mật',
  'toi-mat': 'Tối mật',
  'tuyet-mat': 'Tuyệt mật',
};

// Every object is strict: a misspelt key ("urgnecy") must be an error, not a field silently dropped
// that lets the directive go out with a default.

export const recipientSchema = z
  .strictObject({
    unit: unitCode.optional(),
    group: unitCode.optional(),
    role: z.enum(ROLES).optional(),
    /** The purpose as written in "Nơi nhận" ("để b/c"); kept verbatim. */
    purpose: z.string().optional(),
  })
  .refine((r) => (r.unit === undefined) !== (r.group === undefined), 'ghi đúng một trong hai: unit hoặc group');
export type RecipientRef = z.infer<typeof recipientSchema>;

export const directiveSchema = z.strictObject({
  /** Số: unique within the calendar year of `date`. */
  number: z.number().int().positive(),
  /** Ký hiệu: issuing body - drafting unit, e.g. TCTHADS-VP. */
  symbol: z.string().regex(/^[A-ZĐ0-9]+(-[A-ZĐ0-9]+)*$/, 'ký hiệu viết hoa, nối bằng "-", ví dụ TCTHADS-VP'),
  type: z.string().default('Công văn'),
  issuer: z.strictObject({ parent: z.string().optional(), name: z.string().min(1), code: z.string().min(1) }),
  /** Registry code of the drafting unit (the Office): replies, digests and the last escalation go there. */
  office: unitCode,
  place: z.string().min(1),
  date: localDate,
  subject: z
    .string()
    .min(1)
    .refine((s) => /^V\/v\s/.test(s), 'trích yếu bắt đầu bằng "V/v "'),
  urgency: z.enum(URGENCIES).default('thuong'),
  confidentiality: z.enum(CONFIDENTIALITY).default('thuong'),
  addressees: z.array(z.string()).default([]),
  legalBases: z.array(z.string()).default([]),
  preamble: z.string().default(''),
  tasks: z
    .array(z.strictObject({ no: z.number().int().positive(), title: z.string().optional(), text: z.string().min(1) }))
    .min(1),
  closing: z.string().default(''),
  signer: z.strictObject({
    authority: z.enum(['KT.', 'TL.', 'TUQ.', 'TM.', 'Q.', '']).default(''),
    authorityTitle: z.string().optional(),
    title: z.string().min(1),
    name: z.string().min(1),
  }),
  contact: z.strictObject({ unit: z.string(), phone: z.string().optional(), email: z.email().optional() }),
  recipients: z.array(recipientSchema).min(1),
  /** What the directive writes of its follow-up; the rest comes from its urgency's defaults at planning. */
  policy: policyInputSchema.optional(),
  /** The signed file (PDF, DOCX, ODT) when the run was started with one: attached to every dispatch. */
  document: documentRefSchema.optional(),
});
/** A directive as written: its policy may leave fields to the urgency's defaults. */
export type DirectiveInput = z.infer<typeof directiveSchema>;
/** A directive as a run follows it: its policy whole (see `resolvePolicy`). */
export type Directive = Omit<DirectiveInput, 'policy'> & { policy: Policy };

/**
 * A directive as a person or a system writes it: everything but `document`, which only the Office's
 * upload sets (from a file it stored and hashed). A `document` key written by hand is an unknown key.
 */
export const directiveInputSchema = directiveSchema.omit({ document: true });

/**
 * What a unit's lifecycle needs of the directive: its deadlines and its title. The body (tasks,
 * preamble…) stays with the run, so 10,000 lifecycles do not each carry a copy in their history.
 */
/** What lifecycles get of the directive; `document` only when the run has a signed file (small: name and hash). */
export type DirectiveHead = Pick<
  Directive,
  'number' | 'symbol' | 'date' | 'subject' | 'urgency' | 'policy' | 'document'
>;

/** "4432/TCTHADS-VP" */
export function directiveRef(d: Pick<Directive, 'number' | 'symbol'>): string {
  return `${d.number}/${d.symbol}`;
}

/** Numbers are unique within a calendar year, so the year is part of the key. */
export function directiveKey(d: Pick<Directive, 'number' | 'symbol' | 'date'>): string {
  return `${d.date.slice(0, 4)}-${d.number}-${d.symbol}`;
}
