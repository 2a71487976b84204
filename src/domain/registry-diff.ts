import type { Person, Registry, Unit } from './registry';

/** What a new version of a registry changes, unit by unit: what the Office checks before activating it. */
export interface RegistryDiff {
  added: Pick<Unit, 'code' | 'name'>[];
  removed: Pick<Unit, 'code' | 'name'>[];
  renamed: { code: string; from: string; to: string }[];
  addresses: { code: string; name: string; from: string[]; to: string[] }[];
  /** The head or the leader changed: person, title or address. */
  people: { code: string; name: string; who: 'head' | 'leader'; from?: Person; to?: Person }[];
  /** Groups, parent, province or region changed. */
  placement: { code: string; name: string; fields: string[] }[];
}

const samePerson = (a?: Person, b?: Person) =>
  (a?.name ?? '') === (b?.name ?? '') && (a?.title ?? '') === (b?.title ?? '') && (a?.email ?? '') === (b?.email ?? '');
const sameSet = (a: readonly string[], b: readonly string[]) => {
  const norm = (x: readonly string[]) => [...new Set(x.map((s) => s.toLowerCase()))].sort().join('\n');
  return norm(a) === norm(b);
};

/** Units are matched by code, case-insensitively, as plans match them. Lists are in the new version's order. */
export function diffRegistries(from: Pick<Registry, 'units'> | undefined, to: Pick<Registry, 'units'>): RegistryDiff {
  const d: RegistryDiff = { added: [], removed: [], renamed: [], addresses: [], people: [], placement: [] };
  const before = new Map((from?.units ?? []).map((u) => [u.code.toUpperCase(), u]));
  const after = new Set(to.units.map((u) => u.code.toUpperCase()));
  for (const u of to.units) {
    const old = before.get(u.code.toUpperCase());
    if (!old) {
      d.added.push({ code: u.code, name: u.name });
      continue;
    }
    if (old.name !== u.name) d.renamed.push({ code: u.code, from: old.name, to: u.name });
    if (!sameSet(old.emails, u.emails))
      d.addresses.push({ code: u.code, name: u.name, from: old.emails, to: u.emails });
    for (const who of ['head', 'leader'] as const)
      if (!samePerson(old[who], u[who]))
        d.people.push({
          code: u.code,
          name: u.name,
          who,
          ...(old[who] ? { from: old[who] } : {}),
          ...(u[who] ? { to: u[who] } : {}),
        });
    const fields = [
      !sameSet(old.groups, u.groups) && 'nhóm',
      (old.parent ?? '') !== (u.parent ?? '') && 'đơn vị cấp trên',
      (old.province ?? '') !== (u.province ?? '') && 'tỉnh',
      (old.region ?? '') !== (u.region ?? '') && 'vùng',
    ].filter((f): f is string => !!f);
    if (fields.length) d.placement.push({ code: u.code, name: u.name, fields });
  }
  for (const u of from?.units ?? [])
    if (!after.has(u.code.toUpperCase())) d.removed.push({ code: u.code, name: u.name });
  return d;
}

export const diffIsEmpty = (d: RegistryDiff): boolean => Object.values(d).every((list) => !list.length);

/** "3 đơn vị thêm, 1 bớt, 2 đổi tên, 5 đổi địa chỉ, 1 đổi người, 0 đổi nhóm/cấp trên" for a list line. */
export function diffSummary(d: RegistryDiff): string {
  if (diffIsEmpty(d)) return 'không thay đổi';
  return [
    d.added.length && `${d.added.length} thêm`,
    d.removed.length && `${d.removed.length} bớt`,
    d.renamed.length && `${d.renamed.length} đổi tên`,
    d.addresses.length && `${d.addresses.length} đổi địa chỉ`,
    d.people.length && `${d.people.length} đổi thủ trưởng/lãnh đạo`,
    d.placement.length && `${d.placement.length} đổi nhóm, cấp trên hoặc nơi`,
  ]
    .filter(Boolean)
    .join(', ');
}
