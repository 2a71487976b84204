import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createWebServer } from '../../src/web/server';
import { runWorkflowId } from '../../src/workflows/ids';
import { localDateOf } from '../../src/domain/calendar';
import { devServerStack, type Stack } from '../helpers/stack';
import { staffAccount } from '../helpers/accounts';
import { injectLogin, multipart } from '../helpers/inject';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { uniqueNumber } from '../helpers/fixtures';

/**
 * A clerk starts a run from the structured form — the document's metadata, recipients ticked in the
 * registry, the follow-up — with no YAML: refusals beside their fields and nothing lost, a preview, "Sửa
 * lại" bringing the form back, the start, and the next form starting from what this one issued.
 */
let s: Stack;
let web: FastifyInstance;
let clerk: string;

beforeAll(async () => {
  s = await devServerStack({ CHIDAO_REGISTRY_FILE: 'examples/units-thads-2023.yaml' });
  web = await createWebServer({ client: s.client, config: { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue } });
  clerk = await injectLogin(
    web,
    await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'vt2', name: 'Trần Văn Thư', roles: ['van-thu'] }),
  );
});
afterAll(async () => {
  await web?.close();
  await s?.close();
});

const get = (url: string) => web.inject({ method: 'GET', url, cookies: { chidao_session: clerk } });
const csrfOf = (body: string) => /csrf=([^"&]+)|name="csrf" value="([^"]+)"/.exec(body)!.slice(1).find(Boolean)!;
const pdf = () => Buffer.concat([Buffer.from('%PDF-1.7\n% công văn\n'), randomBytes(500)]);

const FIELDS = (number: number): Record<string, string> => ({
  mode: 'form',
  number: String(number),
  symbol: 'TCTHADS-VP',
  date: '2023-11-22',
  place: 'Hà Nội',
  type: 'Công văn',
  subject: 'V/v hướng dẫn triển khai Luật thực hiện dân chủ ở cơ sở',
  urgency: 'thuong',
  confidentiality: 'thuong',
  issuerName: 'Tổng cục Thi hành án dân sự',
  issuerCode: 'TCTHADS',
  issuerParent: 'Bộ Tư pháp',
  office: 'VP',
  signerAuthority: 'KT.',
  signerAuthorityTitle: 'Tổng Cục trưởng',
  signerTitle: 'Phó Tổng cục trưởng',
  signerName: 'Nguyễn Văn Sơn',
  tasks: '1. Quán triệt Luật Thực hiện dân chủ ở cơ sở.\n2. Báo cáo kết quả về Văn phòng.',
  contactUnit: 'Văn phòng Tổng cục',
  contactPhone: '024.62739596',
  'purpose:group:don-vi-thuoc-tong-cuc': 'Như trên',
  'purpose:unit:TCT': 'để b/c',
  reportTitle: 'Báo cáo kết quả triển khai',
  reportDue: '15 ngày làm việc',
  esc1Notify: 'head',
  esc2Notify: 'leader',
  esc3Notify: 'office',
});

async function post(fields: Record<string, string>, picks: string[], file?: Buffer, query = '') {
  const page = await get('/office/runs/new');
  const parts = [
    ...(file ? [{ name: 'document', value: file, filename: 'cong-van.pdf' }] : []),
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    ...picks.map((value) => ({ name: 'pick', value })),
  ];
  return web.inject({
    method: 'POST',
    url: `/office/runs/new?csrf=${csrfOf(page.body)}${query}`,
    cookies: { chidao_session: clerk },
    ...multipart(parts),
  });
}

const hidden = (body: string, name: string) =>
  new RegExp(`name="${name}"\\s+value="([^"]*)"`)
    .exec(body)?.[1]
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

describe('the structured new-run form', () => {
  it('starts dated today, shows each urgency’s defaults, and offers every group and unit of the registry', async () => {
    const page = await get('/office/runs/new');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`name="date"\n        type="date"\n        value="${localDateOf(Date.now())}"`);
    for (const u of ['Thường', 'Khẩn', 'Thượng khẩn', 'Hỏa tốc'])
      expect(page.body).toContain(`<strong>${u}</strong>: xác nhận trong`);
    expect(page.body).toContain('value="group:cuc-thads-tinh"');
    expect(page.body).toContain('value="unit:CTHADS-HA-NOI"');
    expect(page.body).toContain('href="/office/runs/new?yaml=1"');
  });

  it('refuses beside each field and keeps everything; then previews, comes back on "Sửa lại", and starts', async () => {
    const number = uniqueNumber();
    const file = pdf();
    const wrong = { ...FIELDS(number), signerName: '', ackDue: 'ngày mai' };
    const refused = await post(wrong, [], file);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toMatch(/<p class="field-error" id="signerName-error">Cần họ tên người ký.<\/p>/);
    expect(refused.body).toMatch(/id="ackDue-error">Hạn xác nhận: hạn không hợp lệ &quot;ngày mai&quot;/);
    expect(refused.body).toMatch(/id="recipients-error">Chọn ít nhất một nơi nhận.</);
    // What was typed stays, and the upload is kept (not asked for again).
    expect(refused.body).toContain('value="V/v hướng dẫn triển khai Luật thực hiện dân chủ ở cơ sở"');
    expect(refused.body).toContain('Quán triệt Luật Thực hiện dân chủ ở cơ sở.');
    const sha = hidden(refused.body, 'documentSha')!;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);

    const picks = ['group:don-vi-thuoc-tong-cuc', 'unit:TCT'];
    const preview = await post({ ...FIELDS(number), documentSha: sha, documentName: 'cong-van.pdf' }, picks);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('Bắt đầu gửi');
    expect(preview.body).toContain('Báo cáo kết quả triển khai');

    // "Sửa lại": the form as filled, ticks included.
    const state = hidden(preview.body, 'formState')!;
    const back = await post(
      { mode: 'form', formState: state, documentSha: sha, documentName: 'cong-van.pdf' },
      [],
      undefined,
      '&edit=1',
    );
    expect(back.statusCode).toBe(200);
    expect(back.body).toMatch(/value="group:don-vi-thuoc-tong-cuc"\s+checked/);
    expect(back.body).toContain('value="Nguyễn Văn Sơn"');

    const directive = /<textarea name="directive" hidden>([\s\S]*?)<\/textarea>/
      .exec(preview.body)![1]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    const started = await web.inject({
      method: 'POST',
      url: '/office/runs/start',
      cookies: { chidao_session: clerk },
      payload: { csrf: csrfOf(preview.body), directive, documentSha: sha, documentName: 'cong-van.pdf' },
    });
    const key = `2023-${number}-TCTHADS-VP`;
    expect([started.statusCode, started.headers.location]).toEqual([303, `/office/run/${key}?done=started`]);
    await s.client.workflow.getHandle(runWorkflowId(key)).describe();
    // Nine units of the group and the Director General copied "để b/c": ten dispatches, each with the PDF.
    const sent = await waitForMails(both(ofRun(key), ofKind('dispatch')), 10);
    expect(sent).toHaveLength(10);
    expect(sent.every((m) => m.attachments?.some((a) => a.filename === 'cong-van.pdf'))).toBe(true);

    // The next form starts from what this one issued.
    const next = await get('/office/runs/new');
    expect(next.body).toContain('value="Nguyễn Văn Sơn"');
    expect(next.body).toContain('value="TCTHADS-VP"');
  });

  it('a search of the registry lists matching units first, keeps every tick and field, and each box appears once', async () => {
    const number = uniqueNumber();
    const r = await post(
      { ...FIELDS(number), recipientSearch: 'đà nẵng', 'purpose:unit:CTHADS-DA-NANG': 'để p/h' },
      ['unit:TCT', 'unit:CTHADS-DA-NANG'],
      undefined,
      '&edit=1',
    );
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('data-found="1"');
    // The match comes before the groups, ticked, with its purpose as typed; nothing is sent.
    const match = r.body.indexOf('value="unit:CTHADS-DA-NANG"');
    expect(match).toBeGreaterThan(0);
    expect(match).toBeLessThan(r.body.indexOf('value="group:cuc-thads-tinh"'));
    expect(r.body.split('value="unit:CTHADS-DA-NANG"')).toHaveLength(2);
    expect(r.body).toMatch(/value="unit:CTHADS-DA-NANG"\s+checked/);
    expect(r.body).toContain(
      'name="purpose:unit:CTHADS-DA-NANG"\n          aria-label="Mục đích gửi Cục Thi hành án dân sự thành phố Đà Nẵng (CTHADS-DA-NANG)"\n          value="để p/h"',
    );
    // A tick outside the results is still in the form, once.
    expect(r.body.split('value="unit:TCT"')).toHaveLength(2);
    expect(r.body).toMatch(/value="unit:TCT"\s+checked/);
    expect(r.body).toContain(`value="${number}"`);
    const none = await post({ ...FIELDS(number), recipientSearch: 'không có đơn vị này' }, [], undefined, '&edit=1');
    expect(none.body).toContain('data-found="0"');
    expect(none.body).toContain('Không có đơn vị nào khớp');
  });

  it('a number already used this year is refused beside Số; a secret document beside Độ mật', async () => {
    const number = uniqueNumber();
    const picks = ['group:don-vi-thuoc-tong-cuc'];
    const first = await post(FIELDS(number), ['group:don-vi-thuoc-tong-cuc'], pdf());
    expect(first.statusCode).toBe(200);
    const directive = /<textarea name="directive" hidden>([\s\S]*?)<\/textarea>/.exec(first.body)![1]!;
    const sha = hidden(first.body, 'documentSha')!;
    const started = await web.inject({
      method: 'POST',
      url: '/office/runs/start',
      cookies: { chidao_session: clerk },
      payload: {
        csrf: csrfOf(first.body),
        directive: directive.replace(/&quot;/g, '"'),
        documentSha: sha,
        documentName: 'cong-van.pdf',
      },
    });
    expect(started.statusCode).toBe(303);
    const again = await post({ ...FIELDS(number), documentSha: sha, documentName: 'cong-van.pdf' }, picks);
    expect(again.statusCode).toBe(422);
    expect(again.body).toMatch(/id="number-error">Số \d+\/TCTHADS-VP năm 2023 đã được gửi/);
    const secret = await post(
      { ...FIELDS(uniqueNumber()), confidentiality: 'mat', documentSha: sha, documentName: 'cong-van.pdf' },
      picks,
    );
    expect(secret.statusCode).toBe(422);
    expect(secret.body).toMatch(/id="confidentiality-error">Văn bản mật không gửi qua chidao/);
  });
});
