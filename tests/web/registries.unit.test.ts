import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Registries } from '../../src/registries/registries';
import { loadRegistry } from '../../src/files/load';
import { registryToTable } from '../../src/domain/registry-table';
import { csv, xlsx } from '../../src/web/xlsx';
import { offlineWebServer } from '../helpers/web-stack';
import { staffAccount } from '../helpers/accounts';
import { injectLogin, multipart } from '../helpers/inject';

/**
 * The registry pages through `app.inject`. They never reach Temporal (a lazy client to nowhere), so they
 * run without the test servers; the store is a real data folder.
 */
const EXAMPLE = 'examples/units-thads-2023.yaml';
const example = loadRegistry(EXAMPLE);
let web: FastifyInstance;
let dataDir: string;
let admin: string;
let clerk: string;
const registries = () => Registries.inDataDir(dataDir);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chidao-registries-web-'));
  ({ web } = await offlineWebServer(dataDir));
  admin = await injectLogin(
    web,
    await staffAccount(dataDir, { login: 'quantri', name: 'Trần Quản Trị', roles: ['quan-tri'] }),
  );
  clerk = await injectLogin(
    web,
    await staffAccount(dataDir, { login: 'vanthu', name: 'Lê Văn Thư', roles: ['van-thu'] }),
  );
  // Every test but the first starts from the 2023 registry in effect, so each passes alone.
  const by = { login: 'quantri', name: 'Trần Quản Trị', roles: ['quan-tri' as const] };
  registries().import(readFileSync(EXAMPLE), 'units-thads-2023.yaml', {}, by);
  registries().activate('thads-2023', '2023-01-01', by);
});
afterAll(async () => {
  await web?.close();
});

const get = (url: string, cookie = admin) => web.inject({ method: 'GET', url, cookies: { chidao_session: cookie } });
const csrfOf = async (cookie: string) =>
  /name="csrf" value="([^"]+)"/.exec((await get('/office/password', cookie)).body)![1]!;

async function upload(file: Buffer, filename: string, fields: Record<string, string> = {}, cookie = admin) {
  const body = multipart([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: 'file', value: file, filename },
  ]);
  return web.inject({
    method: 'POST',
    url: `/office/registries?csrf=${encodeURIComponent(await csrfOf(cookie))}`,
    cookies: { chidao_session: cookie },
    ...body,
  });
}

async function postForm(url: string, payload: Record<string, string>, cookie = admin) {
  const body = new URLSearchParams({ csrf: await csrfOf(cookie), ...payload });
  return web.inject({
    method: 'POST',
    url,
    cookies: { chidao_session: cookie },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  });
}

describe('registry pages', () => {
  it('an administrator uploads a YAML, sees 78 units added, activates; the version is then in effect', async () => {
    const yaml = readFileSync(EXAMPLE, 'utf8').replace('id: thads-2023', 'id: thads-web');
    const up = await upload(Buffer.from(yaml), 'units.yaml');
    expect(up.statusCode, up.body).toBe(303);
    expect(up.headers.location).toBe('/office/registries/thads-web/2023-01-01?done=imported');
    const page = await get('/office/registries/thads-web/2023-01-01');
    expect(page.body).toContain('Chờ kích hoạt');
    expect(page.body).toContain('<strong>78 thêm</strong>');
    expect(page.body).toContain('Kích hoạt phiên bản này');
    const on = await postForm('/office/registries/thads-web/2023-01-01/activate', {});
    expect(on.statusCode).toBe(303);
    expect(registries().store.inEffect('thads-web')?.activatedBy).toBe('Trần Quản Trị (quantri)');
    expect((await get('/office/registries/thads-web/2023-01-01')).body).toContain('<strong>Đang hiệu lực</strong>');
  });

  it('a clerk sees the registries but neither the import form nor an activate button, and is refused both acts', async () => {
    const list = await get('/office/registries', clerk);
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('Nhập phiên bản mới');
    expect(list.body).toContain('Nhập và kích hoạt danh mục là việc của quản trị viên.');
    const refused = await upload(readFileSync(EXAMPLE), 'a.yaml', {}, clerk);
    expect(refused.statusCode).toBe(403);
    expect((await postForm('/office/registries/thads-2023/2023-01-01/activate', {}, clerk)).statusCode).toBe(403);
    expect((await get('/office/registries/thads-2023/2023-01-01/unit/VP', clerk)).statusCode).toBe(403);
  });

  it('a CSV with a bad row comes back with the row and column, and the id, name and date as typed', async () => {
    const rows = registryToTable(example);
    rows[3]![2] = 'khong-phai-email';
    const r = await upload(Buffer.from(csv(rows)), 'moi.csv', {
      id: 'thads-2024',
      name: 'Danh mục 2024',
      effective: '2024-01-01',
    });
    expect(r.statusCode).toBe(422);
    expect(r.body).toContain('moi.csv: dòng 4, cột C (Email)');
    expect(r.body).toContain('value="thads-2024"');
    expect(r.body).toContain('value="Danh mục 2024"');
    expect(r.body).toContain('value="2024-01-01"');
    expect(
      registries()
        .list()
        .filter((v) => v.id === 'thads-2024'),
    ).toEqual([]);
  });

  it('an import without a date marks the date field, beside it', async () => {
    const r = await upload(xlsx('Đơn vị', registryToTable(example)), 'moi.xlsx', { id: 'thads-2024', name: 'X' });
    expect(r.statusCode).toBe(422);
    expect(r.body).toMatch(/id="effective"[^>]*aria-invalid="true"[\s\S]*id="effective-error">thiếu ngày hiệu lực/);
  });

  it('an XLSX of the next year shows its changes before activation', async () => {
    const rows = registryToTable(example);
    rows[1]![2] = 'vanphong@thads.example';
    rows.splice(5, 1);
    const r = await upload(xlsx('Đơn vị', rows), 'moi.xlsx', { id: 'thads-2023', effective: '2024-06-01' });
    expect(r.statusCode, r.body).toBe(303);
    const page = (await get('/office/registries/thads-2023/2024-06-01')).body;
    expect(page).toContain('phiên bản hiệu lực từ 2023-01-01</a>');
    expect(page).toContain(`<h3>Bớt (1)</h3>`);
    expect(page).toContain(`<code>${example.units[4]!.code}</code> ${example.units[4]!.name}`);
    expect(page).toContain('vp@thads.example → vanphong@thads.example');
  });

  it("an administrator edits one unit's head; a bad address comes back beside its field with what was typed", async () => {
    const url = '/office/registries/thads-2023/2023-01-01/unit/TCCB';
    expect((await get(url)).body).toContain('Thủ trưởng Vụ Tổ chức cán bộ');
    const bad = await postForm(url, { emails: 'tccb@thads.example', 'head.name': 'Đỗ Mới', 'head.email': 'sai@' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/id="head\.email-error"/);
    expect(bad.body).toContain('value="Đỗ Mới"');
    const ok = await postForm(url, {
      emails: 'tccb@thads.example\ntccb2@thads.example',
      'head.name': 'Đỗ Mới',
      'head.title': 'Vụ trưởng',
      'head.email': 'domoi@thads.example',
    });
    expect(ok.statusCode).toBe(303);
    expect(registries().contacts('thads-2023', 'TCCB')).toEqual({
      head: { name: 'Đỗ Mới', title: 'Vụ trưởng', email: 'domoi@thads.example' },
    });
    const list = (await get('/office/registries')).body;
    expect(list).toContain(
      'Trần Quản Trị (quantri): sửa đơn vị TCCB: email tccb@thads.example → tccb@thads.example, tccb2@thads.example',
    );
  });

  it('the unit search narrows the table; the templates and exports download as spreadsheets', async () => {
    const found = (await get(`/office/registries/thads-2023/2023-01-01?q=${encodeURIComponent('Tổ chức')}`)).body;
    expect(found).toContain('data-found="1"');
    expect(found).toContain('Vụ Tổ chức cán bộ');
    expect(found).not.toContain('Văn phòng Tổng cục</td>');
    const csvFile = await get('/office/registries/template.csv', clerk);
    expect(csvFile.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csvFile.body).toContain('Mã đơn vị,Tên đơn vị,Email');
    const x = await get('/office/registries/thads-2023/2023-01-01/export.xlsx', clerk);
    expect(x.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });
});
