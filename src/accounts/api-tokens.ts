import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { LockedJsonMap } from '../files/locked-json-map';
import { rolesSchema } from './account';
import { AccountRefusal } from './store';
import type { StaffRole } from '../domain/staff-roles';

/** Another system's key to the JSON API: named, scoped by roles, revocable. Only its hash is kept. */
export interface ApiToken {
  id: string;
  /** Which system holds it ("Phần mềm quản lý văn bản"); it signs the system's acts in the audit trail. */
  name: string;
  roles: StaffRole[];
  hash: string;
  createdAt: string;
  revokedAt?: string;
}
export type ApiTokenView = Omit<ApiToken, 'hash'>;

const MAX_TOKENS = 1000;
const PREFIX = 'chidao_';
const hashOf = (secret: string) => createHash('sha256').update(secret).digest();

/**
 * Per-system API tokens (`chidao token add`): 32 random bytes shown once, stored as SHA-256 (a token has
 * the entropy a password lacks, so a fast hash suffices), checked in constant time.
 */
export class ApiTokens {
  private readonly map: LockedJsonMap<ApiToken>;
  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.map = new LockedJsonMap<ApiToken>(join(dataDir, 'api-tokens.json'), (t) => t.id, {
      count: MAX_TOKENS,
      refusal: () => new AccountRefusal(`Đã có ${MAX_TOKENS} khóa API, không thêm được nữa.`),
    });
  }

  list(): ApiTokenView[] {
    return this.map.list().map(({ hash: _, ...t }) => t);
  }

  add(name: string, roles: readonly string[]): { token: ApiTokenView; secret: string } {
    const n = name.normalize('NFC').trim().slice(0, 200);
    if (!n) throw new AccountRefusal('Cần tên của hệ thống dùng khóa (--name).');
    const r = rolesSchema.safeParse(roles);
    if (!r.success) throw new AccountRefusal(r.error.issues[0]!.message);
    const id = randomBytes(6).toString('hex');
    const secret = `${PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
    const record: ApiToken = {
      id,
      name: n,
      roles: r.data,
      hash: hashOf(secret).toString('hex'),
      createdAt: new Date(this.now()).toISOString(),
    };
    this.map.update(id, () => ({ record, result: undefined }));
    const { hash: _, ...token } = record;
    return { token, secret };
  }

  revoke(id: string): ApiTokenView {
    return this.map.update(id, (t) => {
      if (!t) throw new AccountRefusal(`Không có khóa API ${id}.`);
      const record = { ...t, revokedAt: t.revokedAt ?? new Date(this.now()).toISOString() };
      const { hash: _, ...view } = record;
      return { record, result: view };
    });
  }

  /** The live token behind a bearer secret, or undefined (unknown, malformed, revoked). */
  verify(secret: string | undefined): ApiTokenView | undefined {
    const m = /^chidao_([0-9a-f]{12})_[\w-]{43}$/.exec(secret ?? '');
    if (!m) return undefined;
    const t = this.map.get(m[1]!);
    if (!t || t.revokedAt) return undefined;
    if (!timingSafeEqual(Buffer.from(t.hash, 'hex'), hashOf(secret!))) return undefined;
    const { hash: _, ...view } = t;
    return view;
  }
}
