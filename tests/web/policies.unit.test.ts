import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config';
import { browserPolicyFile, policiesFromConfig } from '../../src/files/policy-config';
import { offlineWebServer } from '../helpers/web-stack';
import { staffAccount } from '../helpers/accounts';
import { injectLogin } from '../helpers/inject';

/**
 * The administrator keeps each urgency's default follow-up from the browser. Through `app.inject`, with a
 * lazy Temporal client to nowhere: these pages never reach it.
 */
let web: FastifyInstance;
let config: Config;
let admin: string;
let clerk: string;
beforeAll(async () => {
  ({ web, config } = await offlineWebServer(mkdtempSync(join(tmpdir(), 'chidao-policies-'))));
  admin = await injectLogin(web, await staffAccount(config.CHIDAO_DATA_DIR, { login: 'qt', roles: ['quan-tri'] }));
  clerk = await injectLogin(web, await staffAccount(config.CHIDAO_DATA_DIR, { login: 'vt', roles: ['van-thu'] }));
});
afterAll(async () => {
  await web?.close();
});

const get = (cookie: string, app = web) =>
  app.inject({ method: 'GET', url: '/office/policies', cookies: { chidao_session: cookie } });
async function post(urgency: string, fields: Record<string, string>, cookie = admin, app = web) {
  const csrf = /name="csrf" value="([^"]+)"/.exec((await get(cookie, app)).body)![1]!;
  return app.inject({
    method: 'POST',
    url: `/office/policies/${urgency}`,
    cookies: { chidao_session: cookie },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf, ...fields }).toString(),
  });
}

describe('defaults per urgency in the browser', () => {
  it("shows each urgency's defaults, the administrator's forms filled with them", async () => {
    const page = (await get(admin)).body;
    expect(page).toContain('<p data-policy="khan">xác nhận trong 4 giờ; nhắc trước hạn 1 giờ;');
    expect(page).toMatch(/id="khan-ackDue"\s+name="ackDue"\s+type="text"\s+maxlength="200"\s+value="4 giờ"/);
    expect(page).toContain('action="/office/policies/hoa-toc"');
  });

  it('the administrator saves khẩn; new runs get it, the file is private, and the change is logged', async () => {
    const r = await post('khan', {
      ackDue: '3 giờ',
      reminders: '1 giờ, 30 phút',
      esc1After: '1 giờ',
      esc1Notify: 'leader',
      esc2After: '1 ngày làm việc',
      esc2Notify: 'office',
      requireView: '1',
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('Đã lưu mặc định Khẩn');
    const khan = policiesFromConfig(config).khan;
    expect(khan.acknowledge.due).toEqual({ within: { kind: 'exact', ms: 3 * 3_600_000 } });
    expect(khan.escalation.map((e) => e.notify)).toEqual(['leader', 'office']);
    expect(khan).toMatchObject({ officeHours: false, requireView: true });
    // Other urgencies keep theirs.
    expect(policiesFromConfig(config)['hoa-toc'].acknowledge.due).toEqual({ within: { kind: 'exact', ms: 3_600_000 } });
    expect(statSync(browserPolicyFile(config)).mode & 0o777).toBe(0o600);
    const log = readFileSync(join(config.CHIDAO_DATA_DIR, 'policy-changes.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(log.at(-1)!)).toMatchObject({ by: 'Nguyễn Văn Kiểm Thử (qt)', urgency: 'khan' });
  });

  it('a deadline it cannot read is refused beside its box, with what was typed; nothing is saved', async () => {
    const before = existsSync(browserPolicyFile(config)) ? readFileSync(browserPolicyFile(config), 'utf8') : '';
    const r = await post('thuong-khan', { ackDue: 'mai', reminders: '1 giờ', esc1After: 'sau', esc1Notify: 'head' });
    expect(r.statusCode).toBe(422);
    expect(r.body).toMatch(/id="thuong-khan-ackDue"[^>]*value="mai"[\s\S]*?aria-invalid="true"/);
    expect(r.body).toContain('id="thuong-khan-ackDue-error"');
    expect(r.body).toContain('id="thuong-khan-esc1After-error"');
    const after = existsSync(browserPolicyFile(config)) ? readFileSync(browserPolicyFile(config), 'utf8') : '';
    expect(after).toBe(before);
  });

  it('a clerk reads the defaults but has no form, and is refused a forged save', async () => {
    const page = (await get(clerk)).body;
    expect(page).toContain('data-policy="thuong"');
    expect(page).not.toContain('action="/office/policies/');
    expect((await post('thuong', { ackDue: '1 giờ' }, clerk)).statusCode).toBe(403);
  });

  it('with CHIDAO_POLICY_FILE the table is that file: shown, not edited here', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chidao-policies-file-'));
    const { web: other } = await offlineWebServer(dir, { CHIDAO_POLICY_FILE: 'examples/urgency-policies.yaml' });
    try {
      const cookie = await injectLogin(other, await staffAccount(dir, { login: 'qt', roles: ['quan-tri'] }));
      const page = (await get(cookie, other)).body;
      expect(page).toContain('<code>examples/urgency-policies.yaml</code> (CHIDAO_POLICY_FILE)');
      expect(page).not.toContain('action="/office/policies/');
      expect(existsSync(browserPolicyFile({ CHIDAO_DATA_DIR: dir }))).toBe(false);
    } finally {
      await other.close();
    }
  });
});
