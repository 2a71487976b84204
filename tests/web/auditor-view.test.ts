import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readExport } from '../../src/audit/commands';
import { hashRecord, type AuditRecord } from '../../src/audit/record';
import { createWebServer } from '../../src/web/server';
import { chidao } from '../helpers/cli';
import { injectLogin } from '../helpers/inject';
import { staffAccount } from '../helpers/accounts';
import { signedRun, type SignedRun } from '../audit/signed-run';

/**
 * The auditor's view in the browser (issue 19, item 4): on a real signed run, the page shows what
 * `verify` finds, the zip it gives verifies with the CLI on the export and the keyring alone, and packs
 * download. Read-only, and behind the Office's login.
 */
let run: SignedRun;
let web: FastifyInstance;
let session: string;
let dir: string;

beforeAll(async () => {
  run = await signedRun();
  const config = { ...run.stack.config, CHIDAO_AUDIT_KEYRING: run.keys.keyring };
  web = await createWebServer({ client: run.stack.client, config });
  const dataDir = config.CHIDAO_DATA_DIR;
  // An auditor's account: read-only, the role this page is for.
  session = await injectLogin(
    web,
    await staffAccount(dataDir, { login: 'kiemtoan', name: 'Trần Thị Kiểm Toán', roles: ['kiem-toan'] }),
  );
  dir = mkdtempSync(join(inject('tmpDir'), 'auditor-'));
}, 180_000);
afterAll(async () => {
  await web?.close();
  await run?.stack.close();
});

const get = (url: string, cookie: string | undefined = session) =>
  web.inject({ method: 'GET', url, ...(cookie ? { cookies: { chidao_session: cookie } } : {}) });

describe("the auditor's view of a run", () => {
  it('an untouched run: no finding, the chain and the digests valid, a pack and a timeline per unit', async () => {
    const r = await get(`/office/run/${run.key}/audit`);
    expect(r.statusCode).toBe(200);
    const digests = readExport(run.folder).digests!.length;
    expect(digests).toBeGreaterThan(0);
    expect(r.body).toContain(`Chuỗi ${run.records.length} bản ghi hợp lệ`);
    expect(r.body).toContain(`${digests} chữ ký số hợp lệ`);
    expect(r.body).toContain('Không có phát hiện nào.');
    expect(r.body).not.toContain('id="findings"');
    for (const u of ['T1', 'T2']) {
      expect(r.body).toContain(`href="/office/run/${run.key}/audit/pack.pdf?unit=${u}"`);
      expect(r.body).toContain(`href="/office/run/${run.key}/unit/${u}"`);
    }
    // The run's page leads there.
    const page = await get(`/office/run/${run.key}`);
    expect(page.body).toContain(`href="/office/run/${run.key}/audit"`);
  });

  it('without a session the page, the export and the packs are refused, and nothing is written there', async () => {
    for (const url of ['', '/export.zip', '/pack.pdf', '/pack.pdf?unit=T1']) {
      const r = await get(`/office/run/${run.key}/audit${url}`, '');
      expect(r.statusCode, url).toBe(303);
      expect(String(r.headers.location)).toMatch(/^\/office\/login\?next=/);
      expect(r.headers['content-type'] ?? '').not.toMatch(/zip|pdf/);
    }
    const post = await web.inject({
      method: 'POST',
      url: `/office/run/${run.key}/audit`,
      cookies: { chidao_session: session },
      payload: {},
    });
    expect(post.statusCode).toBe(404);
  });

  it('the auditor reads but cannot act; a clerk without the auditor role cannot open the audit trail', async () => {
    const recall = await web.inject({
      method: 'POST',
      url: `/office/run/${run.key}/recall`,
      cookies: { chidao_session: session },
      payload: { reason: 'Thử quyền' },
    });
    expect(recall.statusCode).toBe(403);
    expect(recall.body).toContain('Tài khoản không có quyền thu hồi hoặc kết thúc đợt gửi');
    expect((await get(`/office/run/${run.key}`)).statusCode).toBe(200);

    const clerk = await injectLogin(
      web,
      await staffAccount(run.stack.config.CHIDAO_DATA_DIR, { login: 'vanthu', name: 'Lê Văn Thư', roles: ['van-thu'] }),
    );
    for (const url of ['', '/export.zip', '/pack.pdf']) {
      const r = await get(`/office/run/${run.key}/audit${url}`, clerk);
      expect(r.statusCode, url).toBe(403);
      expect(r.body).toContain('việc này cần vai trò Lãnh đạo, Kiểm toán');
      expect(r.headers['content-type']).toMatch(/^text\/html/);
    }
  });

  it("the zip from the page holds the CLI's export and verifies with `chidao audit verify` and the keyring alone", async () => {
    const r = await get(`/office/run/${run.key}/audit/export.zip`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="chidao-${run.key}-kiem-toan.zip"`);
    const zip = join(dir, `chidao-${run.key}-kiem-toan.zip`);
    writeFileSync(zip, r.rawPayload);
    // Unzipped by the system's own tool: a real zip, laid out as `audit export` lays a folder.
    const listing = execFileSync('python3', ['-m', 'zipfile', '-l', zip]).toString();
    for (const f of ['manifest.json', 'audit.jsonl', 'digests.jsonl', 'histories/index.json'])
      expect(listing).toContain(f);

    const cli = readExport(run.folder);
    const page = readExport(zip);
    expect(page.records).toEqual(cli.records);
    expect(page.digests).toEqual(cli.digests);
    expect(page.histories.map((h) => h.workflowId).sort()).toEqual(cli.histories.map((h) => h.workflowId).sort());

    const v = await chidao('audit', 'verify', zip, '--keyring', run.keys.keyring);
    expect(v.code, v.out).toBe(0);
    expect(v.out).toContain(
      `Chuỗi ${cli.records.length} bản ghi hợp lệ; khớp với ${cli.histories.length} lịch sử workflow; ${cli.digests!.length} chữ ký số hợp lệ.`,
    );
  });

  it("a unit's evidence pack downloads as a PDF with the unit's acts and their hashes; an unknown unit is 404", async () => {
    const r = await get(`/office/run/${run.key}/audit/pack.pdf?unit=T1`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const pdf = join(dir, 'T1.pdf');
    writeFileSync(pdf, r.rawPayload);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-']).toString('utf8').replace(/\s+/g, ' ');
    expect(text).toContain(run.key);
    const mine = run.records.filter((x) => x.unit === 'T1');
    expect(mine.length).toBeGreaterThan(2);
    for (const x of mine) expect(text).toContain(x.hash);
    for (const x of mine) expect(text).toContain(`Bản ghi seq ${x.seq}, khóa`);
    // T2's acts are not listed (a digest may still name one of its hashes as the chain's head then).
    for (const x of run.records.filter((y) => y.unit === 'T2'))
      expect(text).not.toContain(`Bản ghi seq ${x.seq}, khóa`);

    // The unit's code is bounded (200 characters) before anything is read.
    const long = await get(`/office/run/${run.key}/audit/pack.pdf?unit=${'T'.repeat(201)}`);
    expect(long.statusCode).toBe(400);
    expect(long.headers['content-type']).not.toMatch(/pdf/);
    const missing = await get(`/office/run/${run.key}/audit/pack.pdf?unit=T9`);
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('Đơn vị T9 không có bản ghi nào');
  });

  it('a record an insider changed in the store shows on the page as a finding that names it', async () => {
    const file = join(run.stack.config.CHIDAO_DATA_DIR, 'audit', `${run.key.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
    const original = readFileSync(file, 'utf8');
    try {
      const rows = original
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditRecord);
      const ack = rows.find((x) => x.kind === 'acknowledged')!;
      // Who acknowledged, changed, and the record's own hash recomputed.
      ack.actor = { ...ack.actor!, by: 'Người khác' };
      const { hash: _h, ...rest } = ack;
      ack.hash = hashRecord(rest);
      writeFileSync(file, rows.map((x) => JSON.stringify(x) + '\n').join(''));

      const r = await get(`/office/run/${run.key}/audit`);
      expect(r.statusCode).toBe(200);
      expect(r.body).toContain('bản ghi kiểm toán KHÔNG đáng tin');
      const table = r.body.slice(r.body.indexOf('id="findings"'));
      const row = new RegExp(
        `<td>LỖI</td>\\s*<td><code>content-mismatch</code></td>\\s*<td class="num">${ack.seq}</td>\\s*<td><code>${ack.key}</code></td>`,
      );
      expect(table).toMatch(row);
      expect(table).toContain('người thực hiện');
      expect(table).toContain('Người khác');
    } finally {
      writeFileSync(file, original);
    }
  });
});
