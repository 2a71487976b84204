import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startRun } from '../../src/client/start-run';
import { freePort } from '../helpers/ports';
import { testPlan } from '../helpers/fixtures';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';

/**
 * The programs a user runs, as they run them: plain Node with tsx, outside vitest's module loader,
 * which forgives imports that Node's own ESM loader refuses.
 */
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

function run(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string; line: (re: RegExp, ms?: number) => Promise<string> } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (out += String(c)));
  return {
    child,
    output: () => out,
    line: (re, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in:\n${out}`)), ms);
        const check = () => {
          const m = re.exec(out);
          if (m) return (clearTimeout(timer), resolve(m[0]));
          if (child.exitCode !== null)
            return (clearTimeout(timer), reject(new Error(`exited ${child.exitCode}:\n${out}`)));
          setTimeout(check, 100);
        };
        check();
      }),
  };
}
const secret = () => randomBytes(32).toString('hex');
const workerEnv = (queue: string) => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  CHIDAO_LINK_SECRET: secret(),
  CHIDAO_TASK_QUEUE: queue,
  CHIDAO_SMTP_URL: `smtp://127.0.0.1:${inject('smtpPort')}?ignoreTLS=true`,
  CHIDAO_DATA_DIR: `${inject('tmpDir')}/${queue}`,
});
const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', r)));

describe('entry points', () => {
  it('npm run worker: the worker starts on the dev server and stops cleanly on SIGTERM', async () => {
    const w = run(['--import', 'tsx', 'src/worker/main.ts'], workerEnv(`entry-${Date.now()}`));
    expect(await w.line(/chidao worker: hàng đợi "entry-\d+"/)).toBeTruthy();
    w.child.kill('SIGTERM');
    expect(await exited(w.child)).toBe(0);
  });

  it('npm run bundle, then a worker on that bundle runs a dissemination; a missing bundle is named', async () => {
    const path = join(inject('tmpDir'), `bundle-${Date.now()}.js`);
    const b = run(['--import', 'tsx', 'scripts/bundle-workflows.ts', path]);
    expect(await exited(b.child)).toBe(0);
    expect(b.output()).toContain(`CHIDAO_WORKFLOW_BUNDLE=${path}`);

    const missing = run(['--import', 'tsx', 'src/worker/main.ts'], {
      ...workerEnv('entry-missing'),
      CHIDAO_WORKFLOW_BUNDLE: `${path}.none`,
    });
    expect(await exited(missing.child)).not.toBe(0);
    expect(missing.output()).toContain(`CHIDAO_WORKFLOW_BUNDLE: không có tệp "${path}.none"`);

    const queue = `entry-bundle-${Date.now()}`;
    const w = run(['--import', 'tsx', 'src/worker/main.ts'], { ...workerEnv(queue), CHIDAO_WORKFLOW_BUNDLE: path });
    await w.line(/chidao worker: hàng đợi/);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const plan = testPlan({ units: 2 });
      await startRun(new Client({ connection }), plan, { taskQueue: queue, searchAttributes: false, batchSize: 10 });
      expect(await waitForMails(both(ofRun(plan.key), ofKind('dispatch')), plan.recipients.length)).toHaveLength(
        plan.recipients.length,
      );
    } finally {
      await connection.close();
    }
    w.child.kill('SIGTERM');
    expect(await exited(w.child)).toBe(0);
  });

  it('chidao serve answers on its port; chidao --help prints the usage', async () => {
    // Port 0: the server binds a free port itself and says which, so no other process can take it first.
    const s = run(['bin/chidao.mjs', 'serve'], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CHIDAO_WEB_HOST: '127.0.0.1',
      CHIDAO_WEB_PORT: '0',
      CHIDAO_PUBLIC_URL: 'http://127.0.0.1:8080',
      CHIDAO_LINK_SECRET: secret(),
    });
    await s.line(/Bảng điều khiển Văn phòng: .*chưa bật: đặt CHIDAO_SESSION_SECRET và tạo tài khoản/);
    const address = /Đang lắng nghe tại (http:\/\/127\.0\.0\.1:\d+)/.exec(s.output())![1]!;
    expect(address).not.toBe('http://127.0.0.1:0');
    const res = await fetch(`${address}/healthz`);
    expect(await res.json()).toEqual({ ok: true });
    s.child.kill('SIGTERM');
    expect(await exited(s.child)).toBe(0);

    const h = run(['bin/chidao.mjs', '--help']);
    expect(await exited(h.child)).toBe(0);
    expect(h.output()).toMatch(/chidao serve/);
  });

  it('a forgotten, short or published secret stops the worker and chidao serve at start, naming the setting', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /Thiếu CHIDAO_LINK_SECRET/],
      [{ CHIDAO_LINK_SECRET: 'ngan-qua' }, /CHIDAO_LINK_SECRET quá ngắn/],
      // The development default that earlier versions shipped in the source.
      [
        { CHIDAO_LINK_SECRET: 'dev-only-secret-change-me-in-production' },
        /CHIDAO_LINK_SECRET là giá trị mẫu hoặc dễ đoán/,
      ],
    ];
    for (const [env, message] of cases) {
      const w = run(['--import', 'tsx', 'src/worker/main.ts'], {
        ...workerEnv('entry-nosecret'),
        CHIDAO_LINK_SECRET: '',
        ...env,
      });
      expect(await exited(w.child)).not.toBe(0);
      expect(w.output()).toMatch(message);
    }
    const port = String(await freePort());
    const serve = (env: Record<string, string>) =>
      run(['bin/chidao.mjs', 'serve'], { TEMPORAL_ADDRESS: inject('temporalAddress'), CHIDAO_WEB_PORT: port, ...env });
    const noLink = serve({ CHIDAO_LINK_SECRET: '' });
    expect(await exited(noLink.child)).not.toBe(0);
    expect(noLink.output()).toMatch(/Thiếu CHIDAO_LINK_SECRET/);
    // The dashboard's sessions need a secret of their own, never the links' one.
    const link = secret();
    const noSession = serve({
      CHIDAO_LINK_SECRET: link,
      CHIDAO_SESSION_SECRET: 'ngan-qua',
    });
    expect(await exited(noSession.child)).not.toBe(0);
    expect(noSession.output()).toMatch(/CHIDAO_SESSION_SECRET quá ngắn/);
    // The old shared password is refused by name, with what replaces it.
    const old = serve({ CHIDAO_LINK_SECRET: link, CHIDAO_OFFICE_PASSWORD: 'mat-khau-van-phong' });
    expect(await exited(old.child)).not.toBe(0);
    expect(old.output()).toMatch(/CHIDAO_OFFICE_PASSWORD: không còn dùng: mỗi người đăng nhập bằng tài khoản riêng/);
    const shared = serve({
      CHIDAO_LINK_SECRET: link,
      CHIDAO_SESSION_SECRET: link,
    });
    expect(await exited(shared.child)).not.toBe(0);
    expect(shared.output()).toMatch(/CHIDAO_SESSION_SECRET phải khác CHIDAO_LINK_SECRET/);
  });
});
