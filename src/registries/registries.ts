import { can, refusalFor } from '../domain/staff-roles';
import { signature, type Staff } from '../accounts/accounts';
import { unitSchema, type Person, type Registry, type Unit } from '../domain/registry';
import { diffRegistries, type RegistryDiff } from '../domain/registry-diff';
import { MAX_CELL_CHARS, type TableMeta } from '../domain/registry-table';
import { readRegistryFile, type RegistryFormat } from './import-file';
import { RegistryRefusal, RegistryStore, type RegistryChange, type RegistryVersion } from './store';

export { RegistryRefusal } from './store';
export type { RegistryChange, RegistryVersion } from './store';

/** A version with where it stands: in effect now, waiting to be activated, activated ahead of its date, or past. */
export type VersionState = 'in-effect' | 'pending' | 'scheduled' | 'superseded';
export const VERSION_STATE_LABEL: Record<VersionState, string> = {
  'in-effect': 'Đang hiệu lực',
  pending: 'Chờ kích hoạt',
  scheduled: 'Đã kích hoạt, chưa đến ngày',
  superseded: 'Đã thay thế',
};

/** What one unit may be edited to from the browser or the CLI: its addresses and its people. */
export interface UnitContactsInput {
  emails: string[];
  head?: Partial<Person>;
  leader?: Partial<Person>;
}

/** The version a diff was taken against: the one in effect, or the version before it. */
export interface VersionDiff {
  diff: RegistryDiff;
  against?: RegistryVersion;
}

const person = (p?: Partial<Person>): Person | undefined => {
  if (!p || (!p.name && !p.title && !p.email)) return undefined;
  return { name: p.name ?? '', ...(p.title ? { title: p.title } : {}), ...(p.email ? { email: p.email } : {}) };
};

/**
 * The registries of units the Office sends to: import a new version (YAML, CSV, XLSX), see what it changes,
 * activate it, edit one unit's addresses or people. Changes need the administrator's permission; every one
 * is logged with the account that made it. Runs keep the units they started with; escalation asks
 * `contacts` for the head and leader in effect when a step fires.
 */
export class Registries {
  private byCode?: { sha256: string; units: Map<string, Unit> };
  private readonly parsed = new Map<string, { sha256: string; registry: Registry }>();
  constructor(readonly store: RegistryStore) {}

  static inDataDir(dataDir: string, now?: () => number): Registries {
    return new Registries(RegistryStore.inDataDir(dataDir, now));
  }

  private admin(by: Staff): string {
    if (!can(by.roles, 'admin')) throw new RegistryRefusal(refusalFor('admin'));
    return signature(by);
  }

  stateOf(v: RegistryVersion, current = this.store.inEffect(v.id)): VersionState {
    if (v.activatedAt === undefined) return 'pending';
    if (current?.effective === v.effective) return 'in-effect';
    return current && current.effective > v.effective ? 'superseded' : 'scheduled';
  }

  list(): (RegistryVersion & { state: VersionState })[] {
    // The index read once: each version's state against its registry's version in effect.
    const all = this.store.versions();
    const current = new Map<string, RegistryVersion | undefined>();
    for (const id of new Set(all.map((v) => v.id))) current.set(id, this.store.inEffect(id));
    return all.map((v) => ({ ...v, state: this.stateOf(v, current.get(v.id)) }));
  }

  /** One version; without a date, the one in effect, else the newest. */
  show(id: string, effective?: string): { version: RegistryVersion; registry: Registry; state: VersionState } {
    const v = effective ? this.store.version(id, effective) : (this.store.inEffect(id) ?? this.store.versions(id)[0]);
    if (!v)
      throw new RegistryRefusal(
        effective ? `Không có phiên bản "${id}" hiệu lực từ ${effective}.` : `Không có danh mục "${id}".`,
      );
    return { version: v, registry: this.store.load(v.id, v.effective)!, state: this.stateOf(v) };
  }

  /** What a version changes against the version in effect (or, for that one itself, the version before it). */
  diff(id: string, effective: string): VersionDiff {
    const { registry } = this.show(id, effective);
    const current = this.store.inEffect(id);
    const against =
      current && current.effective !== effective
        ? current
        : this.store.versions(id).find((v) => v.effective < effective && v.activatedAt !== undefined);
    return {
      diff: diffRegistries(against && this.store.load(against.id, against.effective), registry),
      ...(against ? { against } : {}),
    };
  }

  /**
   * Stores a new version (not in effect until activated) and says what it would change. A table takes the
   * names of its groups, and the registry's name when none is given, from the newest version of that id.
   */
  import(
    bytes: Uint8Array,
    file: string,
    meta: Partial<TableMeta>,
    by: Staff,
  ): VersionDiff & { version: RegistryVersion; format: RegistryFormat } {
    const who = this.admin(by);
    const latest = meta.id ? this.store.versions(meta.id)[0] : undefined;
    const previous = latest && this.store.load(latest.id, latest.effective);
    const { registry, format } = readRegistryFile(bytes, file, {
      ...meta,
      ...(meta.name || !latest ? {} : { name: latest.name }),
      groupNames: Object.fromEntries((previous?.groups ?? []).map((g) => [g.code, g.name])),
    });
    const version = this.store.put(registry, { source: file, by: who });
    return { version, format, ...this.diff(version.id, version.effective) };
  }

  activate(id: string, effective: string, by: Staff): RegistryVersion {
    return this.store.activate(id, effective, this.admin(by));
  }

  /** Corrects one unit's addresses, head or leader in a version, in place; refused field by field. */
  editUnit(
    id: string,
    effective: string,
    code: string,
    input: UnitContactsInput,
    by: Staff,
  ): { before: Unit; after: Unit } {
    const who = this.admin(by);
    // The limits of an imported cell: a name or an address is not a paragraph.
    if (input.emails.length > 20)
      throw new RegistryRefusal(`Tối đa 20 địa chỉ; ở đây có ${input.emails.length}.`, 'emails');
    const long = [
      ['emails', input.emails.join('; ')],
      ...(['head', 'leader'] as const).flatMap((w) =>
        (['name', 'title', 'email'] as const).map((f) => [`${w}.${f}`, input[w]?.[f] ?? ''] as const),
      ),
    ].find(([, v]) => v.length > MAX_CELL_CHARS);
    if (long) throw new RegistryRefusal(`Dài quá ${MAX_CELL_CHARS} ký tự.`, long[0]);
    return this.store.editUnit(
      id,
      effective,
      code,
      (u) => {
        const next: Unit = { ...u, emails: input.emails };
        delete next.head;
        delete next.leader;
        const head = person(input.head);
        const leader = person(input.leader);
        if (head) next.head = head;
        if (leader) next.leader = leader;
        const r = unitSchema.safeParse(next);
        if (!r.success) {
          const i = r.error.issues[0]!;
          const field = i.path.filter((p) => typeof p === 'string').join('.');
          throw new RegistryRefusal(i.message, field || undefined);
        }
        return r.data;
      },
      who,
    );
  }

  changes(limit?: number): RegistryChange[] {
    return this.store.changes(limit);
  }

  /** Registries new runs may be sent to: those with a version in effect today. */
  inEffect(): { version: RegistryVersion; registry: Registry }[] {
    return this.store.registriesInEffect().map((version) => {
      // A new-run request reads it several times, and a version is tens of MiB at 100,000 units: parse
      // each version once, again only when an edit changes its hash.
      const key = `${version.id}@${version.effective}`;
      const kept = this.parsed.get(key);
      if (kept?.sha256 === version.sha256) return { version, registry: kept.registry };
      const registry = this.store.load(version.id, version.effective)!;
      this.parsed.set(key, { sha256: version.sha256, registry });
      return { version, registry };
    });
  }

  /** The head and leader of a unit in the version in effect now; undefined when that registry is not kept here. */
  contacts(id: string, code: string): { head?: Person; leader?: Person } | undefined {
    const v = this.store.inEffect(id);
    if (!v) return undefined;
    // Escalations come in waves (a deadline shared by thousands of units): parse a version once per change.
    if (this.byCode?.sha256 !== v.sha256) {
      const reg = this.store.load(v.id, v.effective)!;
      this.byCode = { sha256: v.sha256, units: new Map(reg.units.map((u) => [u.code.toUpperCase(), u])) };
    }
    const u = this.byCode.units.get(code.toUpperCase());
    if (!u) return undefined;
    return { ...(u.head ? { head: u.head } : {}), ...(u.leader ? { leader: u.leader } : {}) };
  }
}
