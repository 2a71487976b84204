import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { Registries, RegistryRefusal } from '../../src/registries/registries';
import { MAX_XLSX_UNPACKED_BYTES } from '../../src/registries/import-file';
import { registryToTable } from '../../src/domain/registry-table';
import { loadRegistry } from '../../src/files/load';
import { InvalidInputError } from '../../src/domain/errors';
import { csv, xlsx } from '../../src/web/xlsx';
import type { Staff } from '../../src/accounts/accounts';

const ADMIN: Staff = { login: 'quantri', name: 'Lê Quản Trị', roles: ['quan-tri'] };
const CLERK: Staff = { login: 'vanthu', name: 'Phạm Văn Thư', roles: ['van-thu'] };
const EXAMPLE = 'examples/units-thads-2023.yaml';
const example = loadRegistry(EXAMPLE);
const csvBytes = (rows: string[][]) => Buffer.from(csv(rows));

function registries(start = Date.UTC(2024, 0, 10, 3)) {
  const dir = mkdtempSync(join(tmpdir(), 'chidao-registries-'));
  const clock = { now: start };
  return { r: Registries.inDataDir(dir, () => clock.now), clock, dir };
}

const errorOf = (fn: () => unknown): InvalidInputError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e;
    throw e;
  }
  throw new Error('no InvalidInputError');
};

describe('registries: import, diff, activate', () => {
  it('a YAML import waits for activation, then is the version in effect, its file private to the service', () => {
    const { r, dir } = registries();
    const out = r.import(readFileSync(EXAMPLE), 'units-thads-2023.yaml', {}, ADMIN);
    expect(out).toMatchObject({
      format: 'yaml',
      version: { id: 'thads-2023', units: example.units.length, importedBy: 'Lê Quản Trị (quantri)' },
    });
    expect(out.diff.added).toHaveLength(example.units.length);
    expect(r.inEffect()).toEqual([]);
    expect(r.list().map((v) => v.state)).toEqual(['pending']);
    r.activate('thads-2023', '2023-01-01', ADMIN);
    expect(r.inEffect().map((x) => [x.version.id, x.registry.units.length])).toEqual([
      ['thads-2023', example.units.length],
    ]);
    expect(r.show('thads-2023').registry).toEqual(example);
    expect(statSync(join(dir, 'registries', 'units', 'thads-2023', '2023-01-01.json')).mode & 0o777).toBe(0o600);
  });

  it('a CSV (";"-separated, with BOM) and an XLSX give the very units of the YAML they were exported from', () => {
    const rows = registryToTable(example);
    const meta = { id: 'thads-2023', name: example.name, effective: '2023-01-01' };
    const semicolons = Buffer.from('\ufeff' + rows.map((r) => r.map((c) => `"${c}"`).join(';')).join('\r\n'));
    for (const [bytes, file] of [
      [semicolons, 'don-vi.csv'],
      [xlsx('Đơn vị', rows), 'don-vi.xlsx'],
    ] as const) {
      const { r } = registries();
      expect(r.import(bytes, file, meta, ADMIN).version.units).toBe(example.units.length);
      // Unit by unit as the YAML says; groups have only their codes as names, with no version before to name them.
      expect(r.show('thads-2023').registry.units).toEqual(example.units);
    }
  });

  it('a table takes its group names and its name from the version before, and shows what it changes', () => {
    const { r } = registries();
    r.import(readFileSync(EXAMPLE), 'a.yaml', {}, ADMIN);
    r.activate('thads-2023', '2023-01-01', ADMIN);
    const rows = registryToTable(example);
    rows.splice(2, 1); // the second unit leaves
    rows[1]![2] = 'vanphong@thads.example';
    const out = r.import(csvBytes(rows), 'moi.csv', { id: 'thads-2023', effective: '2024-01-01' }, ADMIN);
    const reg = r.show('thads-2023', '2024-01-01').registry;
    expect(reg.name).toBe(example.name);
    expect(reg.groups).toEqual(example.groups);
    expect(out.against?.effective).toBe('2023-01-01');
    expect(out.diff.removed).toEqual([{ code: example.units[1]!.code, name: example.units[1]!.name }]);
    expect(out.diff.addresses).toEqual([
      { code: 'VP', name: example.units[0]!.name, from: ['vp@thads.example'], to: ['vanphong@thads.example'] },
    ]);
    expect(out.diff.added).toEqual([]);
  });

  it('bad cells are refused by row and column, and nothing is stored', () => {
    const { r } = registries();
    const rows = registryToTable(example);
    rows[2]![2] = 'không-phải-email';
    const e = errorOf(() =>
      r.import(csvBytes(rows), 'sai.csv', { id: 'x', name: 'X', effective: '2024-01-01' }, ADMIN),
    );
    expect(e.message).toMatch(/^sai\.csv: dòng 3, cột C \(Email\): /);
    expect(r.list()).toEqual([]);
  });

  it('a table import without its id, name or date names each missing field', () => {
    const e = errorOf(() => registries().r.import(csvBytes(registryToTable(example)), 'a.csv', {}, ADMIN));
    expect(e.issues.map((i) => i.path)).toEqual(['id', 'name', 'effective']);
  });

  it('an XLSX that unpacks past the limit is refused, even when its zip lies about the sizes; a file of no known kind too', () => {
    const bomb = zipSync({ 'xl/worksheets/sheet1.xml': new Uint8Array(MAX_XLSX_UNPACKED_BYTES + 1) }, { level: 1 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    // The same bomb declaring 1,000 bytes in its local and central headers (uncompressed size fields).
    const liar = Buffer.from(bomb);
    for (const [signature, offset] of [
      [0x04034b50, 22],
      [0x02014b50, 24],
    ] as const)
      for (let i = 0; i + 4 <= liar.length; i++)
        if (liar.readUInt32LE(i) === signature) liar.writeUInt32LE(1000, i + offset);
    for (const bytes of [bomb, liar])
      expect(
        errorOf(() => registries().r.import(bytes, 'bom.xlsx', { id: 'x', name: 'X', effective: '2024-01-01' }, ADMIN))
          .message,
      ).toContain('giải nén ra quá lớn');
    expect(errorOf(() => registries().r.import(Buffer.from('x'), 'a.txt', {}, ADMIN)).message).toContain(
      'chỉ nhận danh mục',
    );
  });

  it("a registry whose code names the store's own files (versions.json.lock, changes.jsonl) wedges nothing", () => {
    const { r } = registries();
    for (const id of ['versions.json.lock', 'changes.jsonl', 'versions.json']) {
      const yaml = readFileSync(EXAMPLE, 'utf8').replace('id: thads-2023', `id: ${id}`);
      r.import(Buffer.from(yaml), 'a.yaml', {}, ADMIN);
      r.activate(id, '2023-01-01', ADMIN);
    }
    r.import(readFileSync(EXAMPLE), 'a.yaml', {}, ADMIN);
    expect(r.activate('thads-2023', '2023-01-01', ADMIN).activatedBy).toBe('Lê Quản Trị (quantri)');
    expect(r.list()).toHaveLength(4);
    expect(r.changes().map((c) => c.kind)).toEqual([
      'activate',
      'import',
      'activate',
      'import',
      'activate',
      'import',
      'activate',
      'import',
    ]);
  });

  it('only an administrator changes registries; an activated version is never replaced', () => {
    const { r } = registries();
    expect(() => r.import(readFileSync(EXAMPLE), 'a.yaml', {}, CLERK)).toThrow(/cần vai trò Quản trị/);
    r.import(readFileSync(EXAMPLE), 'a.yaml', {}, ADMIN);
    expect(() => r.activate('thads-2023', '2023-01-01', CLERK)).toThrow(RegistryRefusal);
    r.activate('thads-2023', '2023-01-01', ADMIN);
    expect(() => r.import(readFileSync(EXAMPLE), 'a.yaml', {}, ADMIN)).toThrow(/đã được kích hoạt nên không thay được/);
  });

  it('a version activated ahead of its date takes over on that date, by itself', () => {
    const { r, clock } = registries(Date.UTC(2024, 0, 10, 3));
    r.import(readFileSync(EXAMPLE), 'a.yaml', {}, ADMIN);
    r.activate('thads-2023', '2023-01-01', ADMIN);
    r.import(csvBytes(registryToTable(example)), 'b.csv', { id: 'thads-2023', effective: '2024-02-01' }, ADMIN);
    r.activate('thads-2023', '2024-02-01', ADMIN);
    expect(r.list().map((v) => [v.effective, v.state])).toEqual([
      ['2024-02-01', 'scheduled'],
      ['2023-01-01', 'in-effect'],
    ]);
    // 2024-02-01 00:30 in Hà Nội is still 31 January in UTC.
    clock.now = Date.UTC(2024, 0, 31, 17, 30);
    expect(r.list().map((v) => [v.effective, v.state])).toEqual([
      ['2024-02-01', 'in-effect'],
      ['2023-01-01', 'superseded'],
    ]);
  });

  it("editing a unit's head changes the version in effect in place, logged with who and the unit before and after", () => {
    const { r } = registries();
    r.import(readFileSync(EXAMPLE), 'a.yaml', {}, ADMIN);
    r.activate('thads-2023', '2023-01-01', ADMIN);
    const before = example.units.find((u) => u.code === 'TCCB')!;
    expect(r.contacts('thads-2023', 'tccb')?.head).toEqual(before.head);
    const tccb = () => r.inEffect()[0]!.registry.units.find((u) => u.code === 'TCCB')!;
    expect(tccb().head).toEqual(before.head);
    r.editUnit(
      'thads-2023',
      '2023-01-01',
      'TCCB',
      { emails: before.emails, head: { name: 'Đỗ Thị Mới', title: 'Vụ trưởng', email: 'moi@thads.example' } },
      ADMIN,
    );
    expect(r.contacts('thads-2023', 'TCCB')).toEqual({
      head: { name: 'Đỗ Thị Mới', title: 'Vụ trưởng', email: 'moi@thads.example' },
    });
    // New runs see the edit at once: the parsed version is kept only while its hash holds.
    expect(tccb().head?.email).toBe('moi@thads.example');
    const [change] = r.changes(1);
    expect(change).toMatchObject({ kind: 'edit-unit', by: 'Lê Quản Trị (quantri)', unit: 'TCCB', before });
    expect(change!.after?.leader).toBeUndefined();
    expect(r.show('thads-2023').version.edits).toBe(1);
  });

  it('an edit with a bad address is refused with its field, and the unit stays as it was', () => {
    const { r } = registries();
    r.import(readFileSync(EXAMPLE), 'a.yaml', {}, ADMIN);
    const edit = (input: Parameters<Registries['editUnit']>[3]) => {
      try {
        r.editUnit('thads-2023', '2023-01-01', 'VP', input, ADMIN);
      } catch (e) {
        return e as RegistryRefusal;
      }
    };
    expect(edit({ emails: ['không hợp lệ'] })?.field).toBe('emails');
    expect(edit({ emails: [] })?.message).toBe('đơn vị cần ít nhất một địa chỉ email');
    expect(edit({ emails: ['vp@thads.example'], leader: { email: 'x@thads.example' } })?.field).toBe('leader.name');
    expect(edit({ emails: ['vp@thads.example'], head: { name: 'x'.repeat(1_001) } })?.field).toBe('head.name');
    const many = Array.from({ length: 21 }, (_, i) => `vp${i}@thads.example`);
    expect(edit({ emails: many })).toMatchObject({ field: 'emails', message: 'Tối đa 20 địa chỉ; ở đây có 21.' });
    expect(r.show('thads-2023').registry.units[0]).toEqual(example.units[0]);
    expect(r.changes().map((c) => c.kind)).toEqual(['import']);
  });
});
