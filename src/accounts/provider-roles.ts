import { STAFF_ROLES, type StaffRole } from '../domain/staff-roles';

/** "VP_VanThu=van-thu, VP_LanhDao=lanh-dao" → a map; a bad pair names itself. */
export function parseRoleMap(text: string | undefined): Map<string, StaffRole> | undefined {
  if (!text?.trim()) return undefined;
  const map = new Map<string, StaffRole>();
  for (const pair of text.split(',')) {
    const [from, to] = pair.split('=').map((s) => s.trim());
    if (!from || !to || !(STAFF_ROLES as readonly string[]).includes(to))
      throw new Error(
        `CHIDAO_OIDC_ROLE_MAP: "${pair.trim()}" cần dạng <vai trò ở nhà cung cấp>=<vai trò chidao>; vai trò chidao: ${STAFF_ROLES.join(', ')}`,
      );
    map.set(from, to as StaffRole);
  }
  return map;
}

/**
 * Our roles from the provider's claim (an array, or a space- or comma-separated string). Values the map
 * (or, without one, our role names) does not know are ignored: a provider's other roles grant nothing here.
 */
export function rolesFromClaim(claim: unknown, map?: Map<string, StaffRole>): StaffRole[] {
  const values = Array.isArray(claim)
    ? claim.filter((v): v is string => typeof v === 'string')
    : typeof claim === 'string'
      ? claim.split(/[\s,]+/)
      : [];
  const roles = values.flatMap((v) => {
    const r = map ? map.get(v) : (STAFF_ROLES as readonly string[]).includes(v) ? (v as StaffRole) : undefined;
    return r ? [r] : [];
  });
  return [...new Set(roles)];
}
