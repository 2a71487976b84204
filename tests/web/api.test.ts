import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FastifyInstance } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createWebServer } from '../../src/web/server';
import { ApiTokens } from '../../src/accounts/api-tokens';
import { FileAuditStore } from '../../src/audit/file-store';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { unitWorkflowId } from '../../src/workflows/ids';
import { devServerStack, type Stack } from '../helpers/stack';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { uniqueNumber } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';

/**
 * The JSON API end to end with a real HTTP client (fetch) against a listening server on a real dev
 * server and SMTP server: its OpenAPI document, tokens and roles, a run started and acted on, and
 * refusals as RFC 9457 problems that point at the field.
 */
let s: Stack;
let web: FastifyInstance;
let base: string;
let eoffice: string;
let reader: string;
const SEED = parse(readFileSync('examples/4432-TCTHADS-VP.yaml', 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  s = await devServerStack({ CHIDAO_REGISTRY_FILE: 'examples/units-thads-2023.yaml' });
  web = await createWebServer({ client: s.client, config: { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue } });
  base = await web.listen({ host: '127.0.0.1', port: 0 });
  const tokens = new ApiTokens(s.config.CHIDAO_DATA_DIR);
  eoffice = tokens.add('Phần mềm quản lý văn bản', ['van-thu', 'chuyen-vien']).secret;
  reader = tokens.add('Hệ thống báo cáo', ['kiem-toan']).secret;
});
afterAll(async () => {
  await web?.close();
  await s?.close();
});

/** What the tests read of an answer: a problem's fields, or a result's. */
interface Problem {
  status?: number;
  title?: string;
  detail?: string;
  errors?: { pointer: string; detail: string }[];
  rows?: unknown[];
  unit?: { stage: string };
  records?: number;
}

async function call(method: string, path: string, token: string | undefined, body?: unknown) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, type: r.headers.get('content-type') ?? '', json: (await r.json()) as Problem };
}

describe('the JSON API', () => {
  it('/api/openapi.json is a valid OpenAPI 3.1 document of the API alone, and /api/docs shows it to people', async () => {
    const r = await fetch(`${base}/api/openapi.json`);
    const doc = (await r.json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/runs', '/api/v1/runs/{key}', '/api/v1/runs/{key}/units/{code}/acknowledge']),
    );
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/v1/'))).toEqual([]);
    // And for people: every route on a page of its own, no script needed.
    const page = await (await fetch(`${base}/api/docs`)).text();
    for (const path of Object.keys(doc.paths)) expect(page).toContain(path);
    expect(page).not.toContain('<script');
  });

  it('no token, a wrong one or a revoked one is 401; a role without the permission is 403, as problems', async () => {
    const none = await call('GET', '/api/v1/runs', undefined);
    expect(none.status).toBe(401);
    expect(none.type).toMatch(/^application\/problem\+json/);
    expect(none.json).toMatchObject({ status: 401, title: 'Cần khóa API' });
    const problemOf = (r: { status: number; type: string; json: Problem }, status: number) => {
      expect(r.status).toBe(status);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.json.status).toBe(status);
    };
    problemOf(await call('GET', '/api/v1/runs', `${eoffice.slice(0, -1)}x`), 401);
    const tokens = new ApiTokens(s.config.CHIDAO_DATA_DIR);
    const { token, secret } = tokens.add('Tạm', ['kiem-toan']);
    expect((await call('GET', '/api/v1/runs', secret)).status).toBe(200);
    tokens.revoke(token.id);
    problemOf(await call('GET', '/api/v1/runs', secret), 401);
    const forbidden = await call('POST', '/api/v1/runs', reader, { directive: {} });
    problemOf(forbidden, 403);
    // The refusal comes before the body is read: a body that is not even JSON gets the same answer.
    const raw = await fetch(`${base}/api/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: '{không phải json',
    });
    expect(raw.status).toBe(403);
    const anon = await fetch(`${base}/api/v1/runs`);
    expect(anon.headers.get('www-authenticate')).toBe('Bearer realm="chidao"');
    expect(forbidden.json.detail).toContain('việc này cần vai trò Văn thư');
  });

  it('a token gets 120 requests a minute; the next is 429, and other tokens are not held up', async () => {
    const { secret } = new ApiTokens(s.config.CHIDAO_DATA_DIR).add('Hệ thống gọi dồn dập', ['kiem-toan']);
    const codes: number[] = [];
    for (let i = 0; i < 121; i++) codes.push((await call('GET', '/api/v1/runs', secret)).status);
    expect(codes.filter((c) => c === 200)).toHaveLength(120);
    expect(codes[120]).toBe(429);
    // Refused requests count too: a stranger guessing tokens from one address is stopped within 120.
    const guesses: number[] = [];
    for (let i = 0; i < 121; i++)
      guesses.push((await call('GET', '/api/v1/runs', `chidao_${'0'.repeat(12)}_${'x'.repeat(43)}`)).status);
    // (Keyed by address: the other tests' refused calls from this address may have counted already.)
    const stopped = guesses.indexOf(429);
    expect(stopped).toBeGreaterThan(100);
    expect(guesses.slice(0, stopped).every((c) => c === 401)).toBe(true);
    expect(guesses.slice(stopped).every((c) => c === 429)).toBe(true);
    expect((await call('GET', '/api/v1/runs', reader)).status).toBe(200);
  });

  it('a run started through the API reaches every recipient; acts through it are signed with the system', async () => {
    const number = uniqueNumber();
    await s.run(async () => {
      const started = await call('POST', '/api/v1/runs', eoffice, { directive: { ...SEED, number } });
      expect(started.status).toBe(201);
      const key = `2023-${number}-TCTHADS-VP`;
      expect(started.json).toMatchObject({ key, ref: `${number}/TCTHADS-VP`, recipients: 77 });
      expect(await waitForMails(both(ofRun(key), ofKind('dispatch')), 77, 90_000)).toHaveLength(77);

      const status = await call('GET', `/api/v1/runs/${key}`, reader);
      expect(status.status).toBe(200);
      expect(status.json.rows!.length).toBeGreaterThan(60);
      const ack = await call('POST', `/api/v1/runs/${key}/units/VP/acknowledge`, eoffice, {});
      expect(ack.status).toBe(200);
      expect(ack.json.unit!.stage).toBe('acknowledged');
      expect((await s.client.workflow.getHandle(unitWorkflowId(key, 'VP')).query(unitStateQuery)).stage).toBe(
        'acknowledged',
      );
      const record = await waitUntil(
        async () =>
          (await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(key)).find(
            (r) => r.kind === 'acknowledged',
          ),
        (r) => r !== undefined,
      );
      expect(record!.actor?.by).toMatch(/^Phần mềm quản lý văn bản \(khóa API [0-9a-f]{12}\)$/);

      // The Office's own refusals: a date that does not parse points at its field.
      const bad = await call('POST', `/api/v1/runs/${key}/units/VP/extend`, eoffice, { until: '31/02/2099' });
      expect(bad.status).toBe(422);
      expect(bad.json.errors).toEqual([{ pointer: '/until', detail: expect.any(String) }]);
      // A report over the Office's limit is refused with its field, and nothing is recorded.
      const long = await call('POST', `/api/v1/runs/${key}/units/VP/report`, eoffice, { text: 'x'.repeat(50_001) });
      expect(long.status).toBe(422);
      expect(long.json.errors).toEqual([{ pointer: '/text', detail: expect.stringContaining('50') }]);
      expect((await s.client.workflow.getHandle(unitWorkflowId(key, 'VP')).query(unitStateQuery)).reports).toEqual([]);
      const twice = await call('POST', `/api/v1/runs/${key}/units/VP/acknowledge`, eoffice, {});
      expect(twice.status).toBe(409);

      // The auditors' system verifies the trail and takes the export; the e-office system may not.
      const verified = await call('GET', `/api/v1/runs/${key}/audit`, reader);
      expect(verified.status).toBe(200);
      // This stack signs no digests: a warning, not an error.
      expect(verified.json).toMatchObject({ valid: true, findings: [{ kind: 'no-digests', level: 'warning' }] });
      expect(verified.json.records).toBeGreaterThan(77);
      const zip = await fetch(`${base}/api/v1/runs/${key}/audit/export.zip`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(zip.headers.get('content-type')).toBe('application/zip');
      expect(
        Buffer.from(await zip.arrayBuffer())
          .subarray(0, 2)
          .toString(),
      ).toBe('PK');
      expect((await call('GET', `/api/v1/runs/${key}/audit`, eoffice)).status).toBe(403);
    });
  });

  it('a directive with errors is 422 with a pointer per field; a body of the wrong shape is 400', async () => {
    const recipients = [...(SEED.recipients as object[])];
    recipients[2] = { unit: 'KHONG-CO', purpose: 'để b/c' };
    const r = await call('POST', '/api/v1/runs', eoffice, {
      directive: { ...SEED, number: uniqueNumber(), recipients, urgency: 'rat-khan' },
    });
    expect(r.status).toBe(422);
    expect(r.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '/directive/urgency' })]));
    const unknown = await call('POST', '/api/v1/runs', eoffice, {
      directive: { ...SEED, number: uniqueNumber(), recipients },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.json.errors).toEqual([
      { pointer: '/directive/recipients/2/unit', detail: expect.stringContaining('KHONG-CO') },
    ]);
    const broken = await fetch(`${base}/api/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${eoffice}`, 'content-type': 'application/json' },
      body: '{không phải json',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as Problem).detail).toBe('Thân yêu cầu không phải JSON hợp lệ.');
    const malformed = await call('POST', '/api/v1/runs', eoffice, { directive: 'không phải đối tượng' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.errors![0]!.pointer).toBe('/body/directive');
  });
});
