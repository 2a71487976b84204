import { z } from 'zod';
import { isLocalDate } from './calendar';

export const unitCode = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'mã đơn vị chỉ gồm chữ không dấu, số, ".", "_" và "-"');
export const localDate = z.string().refine(isLocalDate, 'ngày phải có dạng YYYY-MM-DD và có thật');

// Strict objects: a misspelt key ("leadr") must be an error, or escalation silently skips a step.
export const personSchema = z.strictObject({
  name: z.string().min(1),
  title: z.string().optional(),
  email: z.email().optional(),
});
export type Person = z.infer<typeof personSchema>;

export const unitSchema = z.strictObject({
  code: unitCode,
  name: z.string().min(1),
  emails: z.array(z.email()).min(1, 'đơn vị cần ít nhất một địa chỉ email'),
  /** The unit's head (Thủ trưởng / Cục trưởng): first step of the escalation ladder. */
  head: personSchema.optional(),
  /** The leader in charge of the unit (lãnh đạo phụ trách): second step. */
  leader: personSchema.optional(),
  parent: unitCode.optional(),
  province: z.string().optional(),
  region: z.string().optional(),
  groups: z.array(unitCode).default([]),
});
export type Unit = z.infer<typeof unitSchema>;

/** A registry of units, versioned by the date from which it is in effect. */
export const registrySchema = z
  .strictObject({
    id: unitCode,
    name: z.string().min(1),
    effective: localDate,
    groups: z.array(z.strictObject({ code: unitCode, name: z.string().min(1) })).default([]),
    units: z.array(unitSchema).min(1),
  })
  .superRefine((reg, ctx) => {
    const seen = new Map<string, number>();
    reg.units.forEach((u, i) => {
      const first = seen.get(u.code.toUpperCase());
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'code'],
          message: `mã đơn vị "${u.code}" trùng với units[${first}]`,
        });
      else seen.set(u.code.toUpperCase(), i);
    });
    const groups = new Set(reg.groups.map((g) => g.code));
    reg.units.forEach((u, i) => {
      u.groups.forEach((g, j) => {
        if (!groups.has(g))
          ctx.addIssue({
            code: 'custom',
            path: ['units', i, 'groups', j],
            message: `nhóm không có trong danh mục groups: "${g}"`,
          });
      });
      if (u.parent && !seen.has(u.parent.toUpperCase()))
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'parent'],
          message: `đơn vị cấp trên không có trong danh mục: "${u.parent}"`,
        });
    });
  });
export type Registry = z.infer<typeof registrySchema>;
