import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { z } from 'zod';
import { directiveInputSchema, URGENCIES, type DirectiveInput } from '../domain/directive';
import { policyInputSchema } from '../domain/policy';
import { urgencyPolicies, type UrgencyPolicies } from '../domain/urgency-policies';
import { InvalidInputError, SecretDocumentError } from '../domain/errors';
import { registrySchema, type Registry } from '../domain/registry';
import { parseYamlText, validateYaml, issueAt, type ParsedYaml } from '../domain/yaml-input';
import { decodeUtf8 } from '../domain/text-encoding';
import { buildPlan, type DisseminationPlan, type PlanOptions } from '../domain/plan';
import { isLocalDate, WorkingCalendar } from '../domain/calendar';
import type { CalendarData } from '../domain/holidays-vn';

// Error messages reach clerks, so zod speaks Vietnamese.
z.config(z.locales.vi());

const MiB = 1024 * 1024;
/**
 * The largest input files we read. The seed directive is 12 KiB and a calendar a few hundred bytes; a
 * registry of 50,000 units with heads and leaders is about 20 MiB. Anything far beyond is a wrong file.
 */
export const MAX_INPUT_BYTES = { directive: 1 * MiB, calendar: 1 * MiB, policy: 1 * MiB, registry: 50 * MiB } as const;
export type InputKind = keyof typeof MAX_INPUT_BYTES;
const KIND_LABEL: Record<InputKind, string> = {
  directive: 'tệp công văn',
  calendar: 'tệp lịch',
  policy: 'tệp chính sách theo độ khẩn',
  registry: 'tệp danh mục đơn vị',
};

const READ_ERROR: Record<string, string> = {
  ENOENT: 'không có tệp này',
  EACCES: 'không có quyền đọc tệp',
  EPERM: 'không có quyền đọc tệp',
  EISDIR: 'đây là thư mục, không phải tệp',
};

// Rounded up, so a file just over a limit never reads as equal to it.
const mib = (bytes: number) =>
  `${(Math.ceil((bytes / MiB) * 10) / 10).toLocaleString('vi-VN', { maximumFractionDigits: 1 })} MiB`;

/** Reads at most the limit of its kind (a pipe or device has no size to check first), then decodes UTF-8. */
export function readInputText(path: string, kind: InputKind): string {
  const limit = MAX_INPUT_BYTES[kind];
  const tooBig = (size: string) =>
    new InvalidInputError([
      { file: path, path: '', message: `tệp quá lớn (${size}); ${KIND_LABEL[kind]} tối đa ${mib(limit)}` },
    ]);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new InvalidInputError([
      {
        file: path,
        path: '',
        message: `không đọc được tệp: ${READ_ERROR[code] ?? `lỗi hệ thống ${code || (e as Error).message}`}`,
      },
    ]);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory())
      throw new InvalidInputError([{ file: path, path: '', message: `không đọc được tệp: ${READ_ERROR.EISDIR}` }]);
    if (stat.isFile() && stat.size > limit) throw tooBig(mib(stat.size));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(stat.isFile() ? Math.max(stat.size + 1 - total, 1) : 64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw tooBig(`hơn ${mib(limit)}`);
    }
    const bytes = Buffer.concat(chunks, total);
    return decodeUtf8(bytes, path);
  } finally {
    closeSync(fd);
  }
}

export function loadDirective(path: string): { directive: DirectiveInput; parsed: ParsedYaml } {
  const parsed = parseYamlText(readInputText(path, 'directive'), path);
  return { directive: validateYaml(parsed, directiveInputSchema), parsed };
}

export function loadRegistry(path: string): Registry {
  return validateYaml(parseYamlText(readInputText(path, 'registry'), path), registrySchema);
}

/** "2026-11-24" or a range "2026-01-01..2026-01-04", first day not after the last. */
const calendarDays = z.string().refine((s) => {
  const [from = '', to = from, ...rest] = s.split('..');
  return !rest.length && isLocalDate(from) && isLocalDate(to) && from <= to;
}, 'ngày phải có dạng YYYY-MM-DD và có thật, hoặc khoảng "YYYY-MM-DD..YYYY-MM-DD"');

const calendarFileSchema = z.record(
  z.string().regex(/^\d{4}$/, 'năm viết bằng 4 chữ số, trong ngoặc kép: "2026"'),
  z
    .strictObject({
      daysOff: z.array(calendarDays),
      workingSaturdays: z.array(calendarDays).default([]),
      projected: z.boolean().optional(),
      /** What a day off is, by its entry: "2027-02-05..2027-02-10": "Tết Nguyên đán". */
      labels: z.record(z.string(), z.string().max(200)).optional(),
    })
    .superRefine((y, ctx) => {
      for (const entry of Object.keys(y.labels ?? {}))
        if (!y.daysOff.includes(entry))
          ctx.addIssue({
            code: 'custom',
            path: ['labels', entry],
            message: `"${entry}" không có trong daysOff của năm này: nhãn phải ghi đúng một mục của daysOff`,
          });
    }),
);

/** An administrator's calendar file: the years it names replace the built-in ones. */
export function loadCalendarOverride(path: string): CalendarData {
  const data = validateYaml(parseYamlText(readInputText(path, 'calendar'), path), calendarFileSchema);
  new WorkingCalendar(data); // throws on a malformed date, before anything starts
  return data;
}

const urgencyPoliciesFileSchema = z.strictObject(
  Object.fromEntries(URGENCIES.map((u) => [u, policyInputSchema.optional()])) as Record<
    (typeof URGENCIES)[number],
    z.ZodOptional<typeof policyInputSchema>
  >,
);

/**
 * An administrator's defaults per urgency (CHIDAO_POLICY_FILE): for each urgency it names, the fields it
 * writes replace the built-in ones; a typo names its file, line and key.
 */
export function loadUrgencyPolicies(path: string): UrgencyPolicies {
  return urgencyPolicies(validateYaml(parseYamlText(readInputText(path, 'policy'), path), urgencyPoliciesFileSchema));
}

/** Loads, validates and resolves a directive against a registry; any problem names file, line and field. */
export function loadPlan(directivePath: string, registry: string | Registry, opts: PlanOptions): DisseminationPlan {
  const reg = typeof registry === 'string' ? loadRegistry(registry) : registry;
  return planFromText(readInputText(directivePath, 'directive'), directivePath, reg, opts);
}

/**
 * The same from a directive's text (pasted or uploaded in the browser): `source` names it in errors.
 * A refusal names the line and field, as for a file.
 */
export function planFromText(text: string, source: string, registry: Registry, opts: PlanOptions): DisseminationPlan {
  const parsed = parseYamlText(text, source);
  const directive: DirectiveInput = validateYaml(parsed, directiveInputSchema);
  let built: ReturnType<typeof buildPlan>;
  try {
    built = buildPlan(directive, registry, opts);
  } catch (e) {
    // The refusal names the file and the line that marks the document secret.
    if (e instanceof SecretDocumentError && !e.issue)
      throw new SecretDocumentError(e.reason, issueAt(parsed, e.path, e.reason));
    throw e;
  }
  const { plan, issues } = built;
  if (!plan) throw new InvalidInputError(issues.map((i) => issueAt(parsed, i.path, i.message)));
  return plan;
}
