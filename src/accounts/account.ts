import { z } from 'zod';
import { STAFF_ROLES, type StaffRole } from '../domain/staff-roles';

/** A person of the Office. The login is the account's id in the audit trail. */
export interface Account {
  login: string;
  name: string;
  title: string;
  unit: string;
  roles: StaffRole[];
  active: boolean;
  passwordHash: string;
  /** Set by `user add` and `reset-password`: the first login must choose a new password. */
  mustChangePassword: boolean;
  /**
   * Moves at every password change, disable and role change. A session remembers the generation it was
   * made under, so any of these ends the person's open sessions at once.
   */
  generation: number;
  failedLogins: number;
  lockedUntil?: number;
  /**
   * Set for an account an identity provider vouches for (single sign-on): it has no password here, and
   * its roles come from the provider at each login.
   */
  sso?: { issuer: string; subject: string };
  createdAt: string;
  updatedAt: string;
}

/** What an account shows of itself: never the hash. */
export type AccountView = Omit<Account, 'passwordHash'>;
export const viewOf = ({ passwordHash: _, ...rest }: Account): AccountView => rest;

const text = (label: string, max: number) =>
  z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().max(max, `${label} dài quá ${max} ký tự.`));

export const loginSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._-]{1,63}$/,
        'Tên đăng nhập gồm 2–64 ký tự: chữ không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới.',
      ),
  );

export const rolesSchema = z
  .array(z.enum(STAFF_ROLES, `Vai trò không có; các vai trò: ${STAFF_ROLES.join(', ')}.`))
  .min(1, 'Cần ít nhất một vai trò.')
  .max(STAFF_ROLES.length)
  .transform((r) => [...new Set(r)]);

export const newAccountSchema = z.object({
  login: loginSchema,
  name: text('Họ tên', 200).pipe(z.string().min(1, 'Cần họ tên.')),
  title: text('Chức vụ', 200).default(''),
  unit: text('Đơn vị', 200).default(''),
  roles: rolesSchema,
});
/** What a form or the CLI gives: roles as typed, checked by the schema. */
export type NewAccount = Omit<z.input<typeof newAccountSchema>, 'roles'> & { roles: readonly string[] };

/** How many accounts a store keeps: an Office has tens of staff; this bounds a runaway script. */
export const MAX_ACCOUNTS = 10_000;
/** Wrong passwords in a row before an account is locked, and for how long. */
export const LOCKOUT = { failures: 5, ms: 15 * 60_000 } as const;
