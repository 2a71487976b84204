import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * scrypt from node:crypto (memory-hard, no native package): N=2^15, r=8 takes 32 MiB and ~100 ms per
 * check here, which is what OWASP's password storage sheet asks of scrypt. The parameters are stored in
 * each hash, so raising them later leaves existing hashes verifiable.
 */
const PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

export const MIN_PASSWORD_LENGTH = 12;
/** Long passphrases are welcome; beyond this a "password" is an attempt to make scrypt work hard. */
export const MAX_PASSWORD_LENGTH = 256;

const COMMON = new Set(dictionary['passwords-common'] as string[]);

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...o, maxmem: 256 * o.N * o.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

const b64 = (b: Buffer) => b.toString('base64url');

/** `scrypt$N$r$p$salt$key` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, b64(salt), b64(key)].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const got = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A hash that matches no password, so an unknown login costs as much as a wrong password. */
export const DUMMY_HASH = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${b64(Buffer.alloc(16))}$${b64(Buffer.alloc(KEY_LENGTH))}`;

/** Why a new password is refused, in Vietnamese; undefined when it is acceptable. */
export function passwordProblem(password: string, login?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `Mật khẩu cần ít nhất ${MIN_PASSWORD_LENGTH} ký tự.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Mật khẩu dài quá ${MAX_PASSWORD_LENGTH} ký tự.`;
  const lower = password.normalize('NFC').toLowerCase();
  if (COMMON.has(lower) || new Set(lower).size < 4)
    return 'Mật khẩu này quá phổ biến hoặc dễ đoán; hãy chọn một cụm từ khác.';
  if (login && lower.includes(login.toLowerCase())) return 'Mật khẩu không được chứa tên đăng nhập.';
  return undefined;
}

/** A temporary password for a new account or a reset: 16 characters, changed at first login. */
export function temporaryPassword(): string {
  return randomBytes(12).toString('base64url');
}
