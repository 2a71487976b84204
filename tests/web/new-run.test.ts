import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createWebServer } from '../../src/web/server';
import { LinkSigner } from '../../src/links/signer';
import { runWorkflowId } from '../../src/workflows/ids';
import { FileAuditStore } from '../../src/audit/file-store';
import { join } from 'node:path';
import { devServerStack, type Stack } from '../helpers/stack';
import { staffAccount } from '../helpers/accounts';
import { injectLogin, multipart } from '../helpers/inject';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { testPlan, uniqueNumber } from '../helpers/fixtures';
import { replaysWithCurrentCode } from '../helpers/time-skipping';
import { startRun } from '../../src/client/start-run';
import { DocumentStore } from '../../src/documents/store';
import { evidencePackPdf } from '../../src/audit/pack';
import { collectRun } from '../../src/audit/commands';
import { waitUntil } from '../helpers/wait';

/**
 * A clerk starts a run from the browser's forms (through `app.inject`, on a real dev server and SMTP
 * server): the signed PDF and the directive, refusals beside their field with everything kept, a
 * preview, the start; every dispatch carries the same PDF, and a unit downloads that very file.
 */
const BASE = 'http://chidao.test';
const SEED = readFileSync('examples/4432-TCTHADS-VP.yaml', 'utf8');
let s: Stack;
let web: FastifyInstance;
let clerk: string;

/** The seed directive under a number of its own (the dev server is shared by the whole run). */
const directive = (edit: (y: string) => string = (y) => y) =>
  edit(SEED.replace(/^number: 4432$/m, `number: ${uniqueNumber()}`));
const keyOf = (yaml: string) => `2023-${/^number: (\d+)$/m.exec(yaml)![1]}-TCTHADS-VP`;
const pdf = () => Buffer.concat([Buffer.from('%PDF-1.7\n% công văn đã ký số\n'), randomBytes(2000)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  s = await devServerStack({ CHIDAO_PUBLIC_URL: BASE, CHIDAO_REGISTRY_FILE: 'examples/units-thads-2023.yaml' });
  // Runs started from the pages go to the queue this file's worker polls.
  web = await createWebServer({ client: s.client, config: { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue } });
  clerk = await injectLogin(
    web,
    await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'vanthu', name: 'Nguyễn Thị Văn Thư', roles: ['van-thu'] }),
  );
});
afterAll(async () => {
  await web?.close();
  await s?.close();
});

async function csrf(cookie = clerk): Promise<string> {
  const page = await web.inject({ method: 'GET', url: '/office/runs/new', cookies: { chidao_session: cookie } });
  return /name="csrf" value="([^"]+)"|csrf=([^"&]+)/.exec(page.body)!.slice(1).find(Boolean)!;
}

async function upload(parts: { name: string; value: string | Buffer; filename?: string }[], query = '') {
  const body = multipart(parts);
  return web.inject({
    method: 'POST',
    url: `/office/runs/new?csrf=${await csrf()}${query}`,
    cookies: { chidao_session: clerk },
    ...body,
  });
}

const textareaOf = (body: string) =>
  /<textarea\s+id="directive"[^>]*>\n?([\s\S]*?)<\/textarea/
    .exec(body)?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

describe('starting a run from the browser', () => {
  it('a directive naming a unit the registry lacks: the error names its line beside the field; the text and the PDF are kept', async () => {
    const yaml = directive((y) => y.replace('unit: TT-MLK\n', 'unit: KHONG-CO\n'));
    const file = pdf();
    const r = await upload([
      { name: 'document', value: file, filename: 'Công văn 4432.pdf' },
      { name: 'directive', value: yaml },
    ]);
    expect(r.statusCode).toBe(422);
    expect(r.body).toMatch(/id="directive-error">ô Nội dung công văn:\d+:\d+/);
    expect(r.body).toContain('KHONG-CO');
    expect(textareaOf(r.body)).toBe(yaml.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(r.body).toContain(`name="documentSha" value="${sha(file)}"`);
    expect(r.body).toContain('Đã tải lên: Công văn 4432.pdf');
  });

  it('a secret document is refused with the reason; a file that is not a PDF, or over 20 MiB, is refused beside the file field', async () => {
    const secret = await upload([
      { name: 'document', value: pdf(), filename: 'mat.pdf' },
      { name: 'directive', value: directive((y) => y.replace('confidentiality: thuong', 'confidentiality: mat')) },
    ]);
    expect(secret.statusCode).toBe(422);
    expect(secret.body).toContain('văn bản mật không được gửi qua thư điện tử thông thường');
    const exe = await upload([
      { name: 'document', value: Buffer.from('MZ\x90\x00 not a pdf'), filename: 'cong-van.pdf' },
      { name: 'directive', value: directive() },
    ]);
    expect(exe.statusCode).toBe(422);
    expect(exe.body).toContain('id="document-error">Tệp cong-van.pdf không phải PDF thật');
    // Over 20 MiB: refused beside the file field, and the directive typed stays.
    const yaml = directive();
    const big = await upload([
      { name: 'directive', value: yaml },
      { name: 'document', value: Buffer.concat([pdf(), Buffer.alloc(21 * 1024 * 1024)]), filename: 'lon.pdf' },
    ]);
    expect(big.statusCode).toBe(422);
    expect(big.body).toContain('id="document-error">Tệp văn bản quá 20 MiB.');
    expect(big.body).toContain(/^number: \d+$/m.exec(yaml)![0]);
  });

  it('preview, then start: every dispatch carries the signed PDF, and a unit downloads the very same bytes', async () => {
    const yaml = directive();
    const key = keyOf(yaml);
    const file = pdf();
    const preview = await upload([
      { name: 'document', value: file, filename: 'Công văn 4432.pdf' },
      { name: 'directive', value: yaml },
    ]);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('Chưa gửi gì.');
    expect(preview.body).toContain(`SHA-256 <code>${sha(file)}</code>`);
    // The plan with its deadlines, and the email a unit will read, deadlines and why included.
    expect(preview.body).toMatch(/Kế hoạch gửi \d+\/TCTHADS-VP/);
    expect(preview.body).toMatch(/Cách tính thời hạn:/);
    await expect(s.client.workflow.getHandle(runWorkflowId(key)).describe()).rejects.toThrow(/not found/i);

    // The worker runs only inside s.run: adding the recipients is a series of updates it answers.
    await s.run(async () => {
      const started = await web.inject({
        method: 'POST',
        url: '/office/runs/start',
        cookies: { chidao_session: clerk },
        payload: {
          csrf: /name="csrf" value="([^"]+)"/.exec(preview.body)![1]!,
          documentSha: sha(file),
          documentName: 'Công văn 4432.pdf',
          directive: yaml,
        },
      });
      expect(started.statusCode).toBe(303);
      // Kept for good once a run depends on it; the preview's draft is gone.
      const docs = join(s.config.CHIDAO_DATA_DIR, 'documents');
      expect(existsSync(join(docs, sha(file)))).toBe(true);
      expect(existsSync(join(docs, 'drafts', sha(file)))).toBe(false);
      expect(started.headers.location).toBe(`/office/run/${key}?done=started`);
      const dispatches = await waitForMails(both(ofRun(key), ofKind('dispatch')), 77, 90_000);
      expect(dispatches).toHaveLength(77);
      // Every dispatch names the PDF; the bytes of a few are fetched back from the mailbox and hashed.
      expect(dispatches.filter((m) => m.attachments?.some((x) => x.contentType === 'application/pdf'))).toHaveLength(
        77,
      );
      for (const m of dispatches.slice(0, 3)) {
        const a = m.attachments?.find((x) => x.contentType === 'application/pdf');
        expect(a, m.subject).toBeDefined();
        const got = await fetch(
          `${inject('mailApi')}/email/${m.id}/attachment/${encodeURIComponent(a!.generatedFileName ?? a!.fileName!)}`,
        );
        expect(sha(Buffer.from(await got.arrayBuffer()))).toBe(sha(file));
      }
      // The unit's own link serves the same bytes, with their hash.
      const link = new LinkSigner(s.config.CHIDAO_LINK_SECRET, BASE, 90).url(key, 'VP', 'status', Date.now(), 0);
      const doc = await web.inject({ method: 'GET', url: `/u/document?${link.split('?')[1]}` });
      expect(doc.statusCode).toBe(200);
      expect(doc.headers['content-type']).toBe('application/pdf');
      expect(sha(doc.rawPayload)).toBe(sha(file));
      // The audit trail names who started the run and the document's hash.
      const first = await waitUntil(
        async () =>
          (await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(key)).find(
            (r) => r.kind === 'run-started',
          ),
        (r) => r !== undefined,
      );
      expect(first!.actor).toEqual({ channel: 'office', by: 'Nguyễn Thị Văn Thư (vanthu)' });
      expect(first!.data).toMatchObject({ document: { sha256: sha(file), fileName: 'Công văn 4432.pdf' } });
    });

    // The same number again is refused at the preview, before anything is sent.
    const again = await upload([
      { name: 'document', value: file, filename: 'lai.pdf' },
      { name: 'directive', value: yaml },
    ]);
    expect(again.statusCode).toBe(422);
    expect(again.body).toMatch(/đã được gửi; mỗi số chỉ dùng một lần trong năm/);
  });

  it('a run started with a signed document and a starter replays with the current code; its evidence pack names the file by hash', async () => {
    const file = pdf();
    const ref = new DocumentStore(s.config.CHIDAO_DATA_DIR).put('cong-van.pdf', file);
    const plan = testPlan({
      units: 2,
      policy: { acknowledge: { due: 'PT1H' }, reports: [], reminders: [], escalation: [] },
    });
    plan.directive.document = ref;
    await s.run(async () => {
      await startRun(s.client, plan, {
        taskQueue: s.taskQueue,
        searchAttributes: true,
        batchSize: 10,
        startedBy: 'Nguyễn Thị Văn Thư (vanthu)',
      });
      // Every recipient, implementing or informed, gets the signed file.
      const n = plan.recipients.length;
      const mails = await waitForMails(both(ofRun(plan.key), ofKind('dispatch')), n);
      expect(mails.map((m) => m.attachments?.some((a) => a.contentType === 'application/pdf'))).toEqual(
        Array<boolean>(n).fill(true),
      );
      await replaysWithCurrentCode(s.client, plan.key, 4, 'a-run-started-with-a-signed-document');
      // The run's evidence pack names the signed file by its hash, as read back from the PDF.
      const store = new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit'));
      await waitUntil(
        async () => (await store.list(plan.key)).some((r) => r.kind === 'run-started'),
        (x) => x,
      );
      const pack = join(s.config.CHIDAO_DATA_DIR, 'pack.pdf');
      writeFileSync(pack, await evidencePackPdf(await collectRun(s.client, store, plan.key), { keyring: undefined }));
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pack, '-']).toString('utf8').replace(/\s+/g, '');
      expect(text).toContain(sha(file));
    });
  });

  it('only the records desk starts runs: others get 403 on every step and see no start button', async () => {
    const officer = await injectLogin(
      web,
      await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'chuyenvien', roles: ['chuyen-vien'] }),
    );
    const r = await web.inject({ method: 'GET', url: '/office/runs/new', cookies: { chidao_session: officer } });
    expect(r.statusCode).toBe(403);
    expect(r.body).toContain('việc này cần vai trò Văn thư');
    const token = /name="csrf" value="([^"]+)"/.exec(
      (await web.inject({ method: 'GET', url: '/office/password', cookies: { chidao_session: officer } })).body,
    )![1]!;
    const upload = multipart([{ name: 'directive', value: directive() }]);
    const preview = await web.inject({
      method: 'POST',
      url: `/office/runs/new?csrf=${token}`,
      cookies: { chidao_session: officer },
      ...upload,
    });
    expect(preview.statusCode).toBe(403);
    const start = await web.inject({
      method: 'POST',
      url: '/office/runs/start',
      cookies: { chidao_session: officer },
      payload: { csrf: token, directive: directive(), documentSha: '0'.repeat(64), documentName: 'x.pdf' },
    });
    expect(start.statusCode).toBe(403);
    const list = await web.inject({ method: 'GET', url: '/office', cookies: { chidao_session: officer } });
    expect(list.body).not.toContain('href="/office/runs/new"');
    expect((await web.inject({ method: 'GET', url: '/office', cookies: { chidao_session: clerk } })).body).toContain(
      'href="/office/runs/new"',
    );
  });
});
