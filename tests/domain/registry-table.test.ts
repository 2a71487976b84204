import { describe, expect, it } from 'vitest';
import {
  describeTableIssue,
  MAX_CELL_CHARS,
  REGISTRY_COLUMNS,
  registryFromTable,
  registryToTable,
} from '../../src/domain/registry-table';
import { diffRegistries, diffIsEmpty, diffSummary } from '../../src/domain/registry-diff';
import type { Registry } from '../../src/domain/registry';

const META = { id: 'thads-2024', name: 'Đơn vị THADS 2024', effective: '2024-01-01' };
const HEADER = ['Mã đơn vị', 'Tên đơn vị', 'Email', 'Nhóm', 'Thủ trưởng', 'Email thủ trưởng'];

describe('registry from a table', () => {
  it('reads units by the Vietnamese column titles, in any order, with lists split by ";"', () => {
    const { registry, issues } = registryFromTable(
      [
        ['Email', 'Tên đơn vị', 'Mã đơn vị', 'Nhóm', 'Thủ trưởng', 'Email thủ trưởng'],
        ['vp@thads.example; vp2@thads.example', 'Văn phòng', 'VP', 'tong-cuc', 'Nguyễn Văn A', 'a@thads.example'],
        ['', '', '', '', '', ''],
        ['hn@thads.example', 'Cục THADS Hà Nội', 'HN', 'cuc; mien-bac', '', ''],
      ],
      { ...META, groupNames: { cuc: 'Cục THADS tỉnh' } },
    );
    expect(issues).toEqual([]);
    expect(registry!.units).toEqual([
      {
        code: 'VP',
        name: 'Văn phòng',
        emails: ['vp@thads.example', 'vp2@thads.example'],
        groups: ['tong-cuc'],
        head: { name: 'Nguyễn Văn A', email: 'a@thads.example' },
      },
      { code: 'HN', name: 'Cục THADS Hà Nội', emails: ['hn@thads.example'], groups: ['cuc', 'mien-bac'] },
    ]);
    // Group names come from the version before; a new group is named by its code until someone names it.
    expect(registry!.groups).toEqual([
      { code: 'cuc', name: 'Cục THADS tỉnh' },
      { code: 'mien-bac', name: 'mien-bac' },
      { code: 'tong-cuc', name: 'tong-cuc' },
    ]);
  });

  it('also reads the YAML keys and titles typed without diacritics as headers', () => {
    const { registry } = registryFromTable(
      [
        ['code', 'ten don vi', 'emails', 'CHUC VU THU TRUONG', 'thu truong'],
        ['VP', 'Văn phòng', 'vp@thads.example', 'Chánh Văn phòng', 'Trần B'],
      ],
      META,
    );
    expect(registry!.units[0]).toEqual({
      code: 'VP',
      name: 'Văn phòng',
      emails: ['vp@thads.example'],
      groups: [],
      head: { name: 'Trần B', title: 'Chánh Văn phòng' },
    });
  });

  it('places each bad cell at its spreadsheet row and column letter, blank rows counted', () => {
    const { registry, issues } = registryFromTable(
      [
        HEADER,
        ['VP', 'Văn phòng', 'vp@thads.example', '', '', ''],
        ['', '', '', '', '', ''],
        ['HN', 'Cục Hà Nội', 'không-phải-email', '', '', ''],
        ['vp', 'Trùng mã', 'x@thads.example', '', '', ''],
        ['DN', 'Đà Nẵng', 'dn@thads.example', '', '', 'thutruong@thads.example'],
      ],
      META,
    );
    expect(registry).toBeUndefined();
    const where = issues.map((i) => `${i.row}${i.column}`);
    expect(where).toEqual(['4C', '5A', '6E']);
    expect(describeTableIssue(issues[0]!)).toMatch(/^dòng 4, cột C \(Email\): /);
    expect(issues[1]!.message).toContain('trùng');
    // An address for the head without a name: the name column is where the fix goes.
    expect(issues[2]!.title).toBe('Thủ trưởng');
  });

  it('names unknown and missing header columns before reading any row', () => {
    const { issues } = registryFromTable(
      [
        ['Mã đơn vị', 'Địa chỉ nhà'],
        ['VP', 'x'],
      ],
      META,
    );
    expect(issues.map(describeTableIssue)).toEqual([
      expect.stringMatching(/^dòng 1, cột B \(Địa chỉ nhà\): không nhận ra tiêu đề cột này/),
      'dòng 1: thiếu cột "Tên đơn vị" ở dòng tiêu đề',
      'dòng 1: thiếu cột "Email" ở dòng tiêu đề',
    ]);
  });

  it('refuses a cell longer than 1,000 characters, at its place', () => {
    expect(MAX_CELL_CHARS).toBe(1_000);
    const { issues } = registryFromTable([HEADER, ['VP', 'x'.repeat(MAX_CELL_CHARS + 1), 'vp@thads.example']], META);
    expect(issues).toEqual([
      expect.objectContaining({ row: 2, column: 'B', message: expect.stringContaining('dài quá') }),
    ]);
  });

  it('takes off the apostrophe our CSV export puts before formula-like text, and nothing else', () => {
    const { registry } = registryFromTable(
      [HEADER, ['VP', "'=Văn phòng", 'vp@thads.example'], ['X', "'Tên", 'x@a.vn']],
      META,
    );
    expect(registry!.units.map((u) => u.name)).toEqual(['=Văn phòng', "'Tên"]);
  });

  it('an empty table and a bad effective date are refused, the date as a field of the import', () => {
    expect(registryFromTable([HEADER], META).issues).toEqual([
      { message: 'bảng không có đơn vị nào dưới dòng tiêu đề' },
    ]);
    const { issues } = registryFromTable([HEADER, ['VP', 'Văn phòng', 'vp@thads.example']], {
      ...META,
      effective: '2024-02-30',
    });
    expect(issues).toEqual([expect.objectContaining({ field: 'effective' })]);
  });

  it('writes back to the same table it reads', () => {
    const reg = registryFromTable(
      [
        REGISTRY_COLUMNS.map((c) => c.title),
        [
          'VP',
          'Văn phòng',
          'vp@a.vn; vp2@a.vn',
          'g1',
          'HN',
          'Hà Nội',
          'Bắc',
          'A',
          'Chánh VP',
          'a@a.vn',
          'B',
          'PTCT',
          'b@a.vn',
        ],
        ['HN', 'Cục Hà Nội', 'hn@a.vn', '', '', '', '', '', '', '', '', '', ''],
      ],
      META,
    ).registry!;
    expect(registryFromTable(registryToTable(reg), META).registry).toEqual(reg);
  });
});

describe('registry diff', () => {
  const unit = (code: string, over: Partial<Registry['units'][number]> = {}) => ({
    code,
    name: `Đơn vị ${code}`,
    emails: [`${code.toLowerCase()}@a.vn`],
    groups: [],
    ...over,
  });

  it('lists units added, removed, renamed, re-addressed, with new people or placement, and nothing else', () => {
    const before = { units: [unit('A'), unit('B'), unit('C'), unit('D', { head: { name: 'X' } }), unit('E')] };
    const after = {
      units: [
        unit('a', { name: 'Đơn vị A', emails: ['A@A.VN'] }),
        unit('B', { name: 'Tên mới' }),
        unit('C', { emails: ['c2@a.vn'] }),
        unit('D', { head: { name: 'Y' } }),
        unit('E', { province: 'Huế' }),
        unit('F'),
      ],
    };
    const d = diffRegistries(before, after);
    expect(d).toEqual({
      added: [{ code: 'F', name: 'Đơn vị F' }],
      removed: [],
      renamed: [{ code: 'B', from: 'Đơn vị B', to: 'Tên mới' }],
      addresses: [{ code: 'C', name: 'Đơn vị C', from: ['c@a.vn'], to: ['c2@a.vn'] }],
      people: [{ code: 'D', name: 'Đơn vị D', who: 'head', from: { name: 'X' }, to: { name: 'Y' } }],
      placement: [{ code: 'E', name: 'Đơn vị E', fields: ['tỉnh'] }],
    });
    expect(diffSummary(d)).toBe(
      '1 thêm, 1 đổi tên, 1 đổi địa chỉ, 1 đổi thủ trưởng/lãnh đạo, 1 đổi nhóm, cấp trên hoặc nơi',
    );
    expect(diffRegistries(after, before).removed).toEqual([{ code: 'F', name: 'Đơn vị F' }]);
  });

  it('a version against nothing adds every unit; against itself is empty', () => {
    const reg = { units: [unit('A'), unit('B')] };
    expect(diffRegistries(undefined, reg).added.map((u) => u.code)).toEqual(['A', 'B']);
    expect(diffIsEmpty(diffRegistries(reg, reg))).toBe(true);
    expect(diffSummary(diffRegistries(reg, reg))).toBe('không thay đổi');
  });
});
