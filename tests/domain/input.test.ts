import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlan, loadRegistry } from '../../src/files/load';
import { InvalidInputError, SecretDocumentError } from '../../src/domain/errors';
import { WorkingCalendar } from '../../src/domain/calendar';
import { roleFromPurpose } from '../../src/domain/roles';

const dir = mkdtempSync(join(tmpdir(), 'chidao-input-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const seedDirective = readFileSync('examples/4432-TCTHADS-VP.yaml', 'utf8');
const seedRegistry = 'examples/units-thads-2023.yaml';
const opts = { now: Date.parse('2026-11-24T02:00:00Z'), calendar: new WorkingCalendar() };

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e;
    throw e;
  }
  throw new Error('expected an InvalidInputError');
}

describe('directive and registry files', () => {
  it('the seed directive resolves to 72 implementing units and 5 others', () => {
    const plan = loadPlan('examples/4432-TCTHADS-VP.yaml', seedRegistry, opts);
    const roles = plan.recipients.reduce<Record<string, number>>((a, r) => ({ ...a, [r.role]: (a[r.role] ?? 0) + 1 }), {});
    expect(roles).toEqual({ implement: 72, report: 3, coordinate: 1, archive: 1 });
    expect(plan.recipients.find((r) => r.code === 'TT-MLK')?.purpose).toBe('để b/c');
  });

  it('an unknown unit is named with file, line and field path, and nothing is planned', () => {
    const p = write('unknown.yaml', seedDirective.replace('unit: TT-MLK', 'unit: XYZ'));
    const e = errorOf(() => loadPlan(p, seedRegistry, opts));
    expect(e.issues).toHaveLength(1);
    expect(e.message).toMatch(new RegExp(`^${p.replace(/[/.]/g, '\\$&')}:\\d+:\\d+: recipients\\[3\\]\\.unit: không có đơn vị "XYZ"`));
    const line = seedDirective.replace('unit: TT-MLK', 'unit: XYZ').split('\n').findIndex((l) => l.includes('unit: XYZ')) + 1;
    expect(e.issues[0]!.line).toBe(line);
  });

  it('an unknown group and a directive with no implementing recipient are refused', () => {
    const p = write('group.yaml', seedDirective.replace('group: cuc-thads-tinh', 'group: cuc-khong-co'));
    expect(errorOf(() => loadPlan(p, seedRegistry, opts)).message).toMatch(/recipients\[1\]\.group: không có nhóm "cuc-khong-co"/);
    const none = seedDirective.replace(/  - group: don-vi-thuoc-tong-cuc\n    purpose: Như trên\n  - group: cuc-thads-tinh\n    purpose: Như trên\n/, '');
    expect(errorOf(() => loadPlan(write('none.yaml', none), seedRegistry, opts)).message).toMatch(/recipients: văn bản không có đơn vị nào có vai trò thực hiện/);
  });

  it('a deadline already past is refused', () => {
    const p = write('past.yaml', seedDirective.replace('due: 15 ngày làm việc', 'due: "2023-12-15"'));
    expect(errorOf(() => loadPlan(p, seedRegistry, opts)).message).toMatch(/policy\.reports\[0\]\.due: hạn đã qua/);
  });

  it('duplicate unit codes and invalid emails in a registry are each located', () => {
    const reg = readFileSync(seedRegistry, 'utf8').replace('code: TCCB', 'code: VP').replace('emails: [khtc@thads.example]', 'emails: [khtc-at-thads.example]');
    const e = errorOf(() => loadRegistry(write('reg.yaml', reg)));
    const text = e.message;
    expect(text).toMatch(/units\[1\]\.code: mã đơn vị "VP" trùng với units\[0\]/);
    expect(text).toMatch(/units\[2\]\.emails\[0\]: địa chỉ email không hợp lệ/);
  });

  it('broken YAML is reported at its line', () => {
    const e = errorOf(() => loadRegistry(write('broken.yaml', 'id: x\nunits:\n  - code: [A\n')));
    expect(e.issues[0]!.message).toMatch(/YAML không hợp lệ/);
    expect(e.issues[0]!.line).toBeGreaterThan(1);
  });

  it('NFD-encoded Vietnamese is normalised to NFC, so names and purposes match', () => {
    const nfd = seedDirective.normalize('NFD');
    expect(nfd).not.toBe(seedDirective);
    const plan = loadPlan(write('nfd.yaml', nfd), seedRegistry, opts);
    expect(plan.directive.subject).toBe(plan.directive.subject.normalize('NFC'));
    expect(plan.recipients.filter((r) => r.role === 'report')).toHaveLength(3);
  });

  it('secret documents are refused: they must not go by ordinary email', () => {
    const p = write('mat.yaml', seedDirective.replace('confidentiality: thuong', 'confidentiality: mat'));
    expect(() => loadPlan(p, seedRegistry, opts)).toThrow(SecretDocumentError);
    expect(() => loadPlan(p, seedRegistry, opts)).toThrow(/văn bản mật không được gửi qua thư điện tử/);
  });

  it.each([
    ['để b/c', 'report'],
    ['(để b/c)', 'report'],
    ['để p/h', 'coordinate'],
    ['Để biết', 'inform'],
    ['Lưu: VT, VP', 'archive'],
    ['Như trên', 'implement'],
    ['cho vui', undefined],
  ])('purpose "%s" maps to role %s', (purpose, role) => {
    expect(roleFromPurpose(purpose)).toBe(role);
  });
});
