import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LockedJsonMap, writePrivateAtomically } from '../files/locked-json-map';
import type { Registry, Unit } from '../domain/registry';
import { localDateOf } from '../domain/calendar';

/** One version of a registry as the index lists it; the units themselves are in their own file. */
export interface RegistryVersion {
  id: string;
  name: string;
  effective: string;
  units: number;
  /** Of the registry as stored (canonical JSON), so an audit can tell which list a run was sent from. */
  sha256: string;
  /** The file it was imported from, as named by whoever imported it. */
  source: string;
  importedAt: number;
  importedBy: string;
  activatedAt?: number;
  activatedBy?: string;
  /** Units edited one at a time since the import (addresses, head, leader). */
  edits?: number;
}

/** A line of the registries' change log: who changed what, and the unit before and after. */
export interface RegistryChange {
  at: number;
  by: string;
  kind: 'import' | 'activate' | 'edit-unit';
  id: string;
  effective: string;
  unit?: string;
  before?: Unit;
  after?: Unit;
}

export class RegistryRefusal extends Error {
  override name = 'RegistryRefusal';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Versions kept, all registries together: one a month for forty years, with room for mistakes. */
export const MAX_REGISTRY_VERSIONS = 1_000;

const keyOf = (id: string, effective: string) => `${id}@${effective}`;
const sha = (r: Registry) => createHash('sha256').update(JSON.stringify(r)).digest('hex');

/**
 * Registries under CHIDAO_DATA_DIR/registries: an index of versions (a locked JSON map), each version's
 * units in `<id>/<effective>.json`, and an append-only change log. A version's file is written while the
 * index is locked, so the CLI and `chidao serve` never interleave their changes.
 */
export class RegistryStore {
  private readonly index: LockedJsonMap<RegistryVersion>;
  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.index = new LockedJsonMap<RegistryVersion>(join(dir, 'versions.json'), (v) => keyOf(v.id, v.effective), {
      count: MAX_REGISTRY_VERSIONS,
      refusal: () => new RegistryRefusal(`Đã có ${MAX_REGISTRY_VERSIONS} phiên bản danh mục, không thêm được nữa.`),
    });
  }

  static inDataDir(dataDir: string, now?: () => number): RegistryStore {
    return new RegistryStore(join(dataDir, 'registries'), now);
  }

  /** Newest first within each registry, registries by id. */
  versions(id?: string): RegistryVersion[] {
    return this.index
      .list()
      .filter((v) => !id || v.id === id)
      .sort((a, b) => a.id.localeCompare(b.id) || b.effective.localeCompare(a.effective));
  }

  version(id: string, effective: string): RegistryVersion | undefined {
    return this.index.get(keyOf(id, effective));
  }

  load(id: string, effective: string): Registry | undefined {
    if (!this.version(id, effective)) return undefined;
    return JSON.parse(readFileSync(this.file(id, effective), 'utf8')) as Registry;
  }

  /**
   * The version in effect on a day: the activated one with the latest effective date not after it. A version
   * activated ahead of its date takes over on that date by itself.
   */
  inEffect(id: string, at = this.now()): RegistryVersion | undefined {
    const today = localDateOf(at);
    return this.versions(id).find((v) => v.activatedAt !== undefined && v.effective <= today);
  }

  /** Every registry that has a version in effect. */
  registriesInEffect(at = this.now()): RegistryVersion[] {
    const ids = [...new Set(this.versions().map((v) => v.id))];
    return ids.map((id) => this.inEffect(id, at)).filter((v): v is RegistryVersion => !!v);
  }

  /** Stores a new version, not yet in effect; a version already activated is never replaced. */
  put(registry: Registry, o: { source: string; by: string }): RegistryVersion {
    const at = this.now();
    return this.index.update(keyOf(registry.id, registry.effective), (old) => {
      // Refused before anything is written: the index would refuse the record after the file was there.
      if (!old && this.index.list().length >= MAX_REGISTRY_VERSIONS)
        throw new RegistryRefusal(`Đã có ${MAX_REGISTRY_VERSIONS} phiên bản danh mục, không thêm được nữa.`);
      if (old?.activatedAt !== undefined)
        throw new RegistryRefusal(
          `Phiên bản "${registry.id}" hiệu lực từ ${registry.effective} đã được kích hoạt nên không thay được; hãy nhập với ngày hiệu lực khác.`,
          'effective',
        );
      this.write(registry);
      const record: RegistryVersion = {
        id: registry.id,
        name: registry.name,
        effective: registry.effective,
        units: registry.units.length,
        sha256: sha(registry),
        source: o.source,
        importedAt: at,
        importedBy: o.by,
      };
      this.log({ at, by: o.by, kind: 'import', id: registry.id, effective: registry.effective });
      return { record, result: record };
    });
  }

  activate(id: string, effective: string, by: string): RegistryVersion {
    const at = this.now();
    return this.index.update(keyOf(id, effective), (v) => {
      if (!v) throw new RegistryRefusal(`Không có phiên bản "${id}" hiệu lực từ ${effective}.`);
      if (v.activatedAt !== undefined) return { result: v };
      const record = { ...v, activatedAt: at, activatedBy: by };
      this.log({ at, by, kind: 'activate', id, effective });
      return { record, result: record };
    });
  }

  /** Changes one unit of a version in place (its addresses, head, leader), logged with the unit before and after. */
  editUnit(
    id: string,
    effective: string,
    code: string,
    change: (u: Unit) => Unit,
    by: string,
  ): { version: RegistryVersion; before: Unit; after: Unit } {
    const at = this.now();
    return this.index.update(keyOf(id, effective), (v) => {
      if (!v) throw new RegistryRefusal(`Không có phiên bản "${id}" hiệu lực từ ${effective}.`);
      const reg = this.load(id, effective)!;
      const i = reg.units.findIndex((u) => u.code.toUpperCase() === code.toUpperCase());
      if (i < 0) throw new RegistryRefusal(`Không có đơn vị "${code}" trong danh mục "${id}".`);
      const before = reg.units[i]!;
      const after = change(before);
      reg.units[i] = after;
      this.write(reg);
      const record = { ...v, sha256: sha(reg), edits: (v.edits ?? 0) + 1 };
      this.log({ at, by, kind: 'edit-unit', id, effective, unit: before.code, before, after });
      return { record, result: { version: record, before, after } };
    });
  }

  /** The newest changes first. */
  changes(limit = 100): RegistryChange[] {
    let text = '';
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return text
      .split('\n')
      .filter(Boolean)
      .slice(-limit)
      .reverse()
      .map((l) => JSON.parse(l) as RegistryChange);
  }

  private get logFile(): string {
    return join(this.dir, 'changes.jsonl');
  }

  // Under units/, apart from the index, its lock and the log: an id such as "versions.json.lock" (the
  // registry code allows it) must not land in the lock's directory and wedge every later change.
  private file(id: string, effective: string): string {
    return join(this.dir, 'units', id, `${effective}.json`);
  }

  private write(reg: Registry): void {
    writePrivateAtomically(this.file(reg.id, reg.effective), JSON.stringify(reg));
  }

  private log(c: RegistryChange): void {
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.logFile, JSON.stringify(c) + '\n', { mode: 0o600 });
  }
}
