import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chidao } from '../helpers/cli';
import { staffAccount } from '../helpers/accounts';
import { loadRegistry } from '../../src/files/load';
import { registryToTable } from '../../src/domain/registry-table';
import { csv } from '../../src/web/xlsx';

const EXAMPLE = 'examples/units-thads-2023.yaml';
const SEED = 'examples/4432-TCTHADS-VP.yaml';
const saved = { ...process.env };
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chidao-cli-registry-'));
  process.env.CHIDAO_DATA_DIR = dir;
  await staffAccount(dir, { login: 'quantri', name: 'Lê Quản Trị', roles: ['quan-tri'] });
  await staffAccount(dir, { login: 'vanthu', name: 'Phạm Văn Thư', roles: ['van-thu'] });
  process.env.CHIDAO_USER = 'quantri';
});
afterEach(() => {
  process.env = { ...saved };
});

describe('chidao registry', () => {
  it('import, list, activate, then `start --registry <id>` plans from the version in effect', async () => {
    const imported = await chidao('registry', 'import', EXAMPLE);
    expect(imported.code, imported.out).toBe(0);
    expect(imported.out).toContain('Đã nhập danh mục thads-2023 hiệu lực từ 2023-01-01: 78 đơn vị (chưa kích hoạt).');
    expect(imported.out).toContain('So với danh mục trống: 78 thêm.');
    // Not in effect yet: a run cannot be sent to it.
    const early = await chidao('start', SEED, '--registry', 'thads-2023', '--dry-run');
    expect(early).toMatchObject({
      code: 2,
      out: expect.stringContaining('không có danh mục mã "thads-2023" đang hiệu lực'),
    });
    expect((await chidao('registry', 'activate', 'thads-2023', '2023-01-01')).out).toContain('Đã kích hoạt');
    expect((await chidao('registry', 'list')).out).toMatch(/thads-2023\s+2023-01-01\s+78 đơn vị\s+Đang hiệu lực/);
    const plan = await chidao('start', SEED, '--registry', 'thads-2023', '--dry-run');
    const fromFile = await chidao('start', SEED, '--registry', EXAMPLE, '--dry-run');
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toBe(fromFile.out);
  });

  it('a CSV version names what it changes; diff says it again; only an administrator imports', async () => {
    await chidao('registry', 'import', EXAMPLE);
    await chidao('registry', 'activate', 'thads-2023', '2023-01-01');
    const rows = registryToTable(loadRegistry(EXAMPLE));
    rows[1]![2] = 'vanphong@thads.example';
    const file = join(dir, 'moi.csv');
    writeFileSync(file, csv(rows));
    const args = ['registry', 'import', file, '--id', 'thads-2023', '--effective', '2024-01-01'];
    const clerk = await chidao(...args, '--as', 'vanthu');
    expect(clerk).toMatchObject({ code: 1, out: expect.stringContaining('cần vai trò Quản trị') });
    const out = await chidao(...args);
    expect(out.out).toContain('So với phiên bản hiệu lực từ 2023-01-01: 1 đổi địa chỉ.');
    expect(out.out).toContain('  ~ VP  email: vp@thads.example → vanphong@thads.example');
    expect((await chidao('registry', 'diff', 'thads-2023', '2024-01-01')).out).toContain(
      '~ VP  email: vp@thads.example → vanphong@thads.example',
    );
  });

  it('a bad row is refused by row and column with exit 1; template and export write tables that import back', async () => {
    const bad = join(dir, 'sai.csv');
    writeFileSync(
      bad,
      csv([
        ['Mã đơn vị', 'Tên đơn vị', 'Email'],
        ['VP', 'Văn phòng', 'vp@'],
        ['HN', '', 'hn@a.vn'],
      ]),
    );
    const r = await chidao('registry', 'import', bad, '--id', 'x', '--name', 'X', '--effective', '2024-01-01');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/sai\.csv: dòng 2, cột C \(Email\): .+\nsai\.csv: dòng 3, cột B \(Tên đơn vị\): /);

    const template = join(dir, 'mau.csv');
    expect((await chidao('registry', 'template', '--out', template)).code).toBe(0);
    // A clerk who fills in the template under its hint row, and forgets to delete that row.
    writeFileSync(template, readFileSync(template, 'utf8') + 'VP,Văn phòng,vp@a.vn\r\n');
    const filled = await chidao(
      'registry',
      'import',
      template,
      '--id',
      'moi',
      '--name',
      'Mới',
      '--effective',
      '2024-01-01',
    );
    expect(filled.out).toContain('1 đơn vị');

    await chidao('registry', 'import', EXAMPLE);
    await chidao('registry', 'activate', 'thads-2023', '2023-01-01');
    const out = join(dir, 'xuat.xlsx');
    expect((await chidao('registry', 'export', 'thads-2023', '--out', out)).code).toBe(0);
    const back = await chidao('registry', 'import', out, '--id', 'thads-2023', '--effective', '2025-01-01');
    expect(back.out).toContain('78 đơn vị');
    expect((await chidao('registry', 'diff', 'thads-2023', '2025-01-01')).out).toBe(
      'So với phiên bản hiệu lực từ 2023-01-01: không thay đổi.\n',
    );
  });
});
