/**
 * npm run bench:priority: does a hỏa tốc run's mail go out ahead of an ordinary run's backlog? On the
 * local dev server with one worker and an SMTP sink, an ordinary run to `--backlog` units starts, and a
 * moment later a small run to `--urgent` units: once as hỏa tốc (priority 1, which its batches,
 * lifecycles and sends inherit), once as thường (no priority) for comparison. Prints a table; asserts nothing.
 *
 *   npm run bench:priority -- --backlog 2000 --urgent 20
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { startRun } from '../src/client/start-run';
import { workflowsPath } from '../src/workflows-path';
import { startDevServer } from '../src/dev/temporal-server';
import { startSink } from './smtp-sink';
import { freePort } from './ports';
import { benchPlan } from './plan';
import { sleep, waitUntil } from './wait';

const { values } = parseArgs({
  options: {
    backlog: { type: 'string', default: '2000' },
    urgent: { type: 'string', default: '20' },
    delay: { type: 'string', default: '3' },
    // Off: the server's old matcher, which dispatches in arrival order whatever the priority.
    'old-matcher': { type: 'boolean', default: false },
  },
  strict: true,
});
const backlogN = Number(values.backlog);
const urgentN = Number(values.urgent);
const delayS = Number(values.delay);
const work = mkdtempSync(join(tmpdir(), 'chidao-bench-priority-'));
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
Runtime.install({ logger: new DefaultLogger('WARN') });

log('bundling workflow code…');
const bundle = join(work, 'bundle.js');
writeFileSync(bundle, (await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') })).code);
const server = await startDevServer({
  port: await freePort(),
  uiPort: await freePort(),
  logPath: join(work, 'temporal.log'),
  priority: !values['old-matcher'],
});
const client = new Client({ connection: server.connection });
const sink = await startSink();

async function worker(queue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      CHIDAO_TASK_QUEUE: queue,
      CHIDAO_SMTP_URL: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`,
      CHIDAO_SEND_RATE: '100000',
      CHIDAO_DATA_DIR: join(work, `data-${queue}`),
      CHIDAO_LINK_SECRET: randomBytes(32).toString('hex'),
      CHIDAO_WORKFLOW_BUNDLE: bundle,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c) => (err += String(c)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c) => /chidao worker/.test(String(c)) && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err.slice(-2000)}`)));
  });
  return child;
}

interface Trial {
  urgency: 'hoa-toc' | 'thuong';
  urgentS: number;
  backlogAtUrgentDone: number;
  backlogS: number;
}

async function trial(urgency: Trial['urgency']): Promise<Trial> {
  // A queue of its own per trial: nothing left from the other trial competes.
  const queue = `priority-${urgency}-${Date.now()}`;
  const w = await worker(queue);
  try {
    const backlog = benchPlan(backlogN);
    const urgent = benchPlan(urgentN, urgency);
    const opts = { taskQueue: queue, searchAttributes: true, batchSize: 100 };
    const t0 = performance.now();
    const started = startRun(client, backlog, opts);
    await sleep(delayS * 1000);
    const t1 = performance.now();
    await startRun(client, urgent, opts);
    // Every implementing unit's dispatch and the leaders' copies: the whole run's first mail.
    const urgentMails = urgent.recipients.length;
    await waitUntil('urgent run mailed', () => sink.countRun(urgent.key) >= urgentMails, 30 * 60_000);
    const urgentS = (performance.now() - t1) / 1000;
    const backlogAtUrgentDone = sink.countRun(backlog.key);
    await started;
    await waitUntil('backlog mailed', () => sink.countRun(backlog.key) >= backlog.recipients.length, 60 * 60_000);
    return { urgency, urgentS, backlogAtUrgentDone, backlogS: (performance.now() - t0) / 1000 };
  } finally {
    w.kill('SIGTERM');
    await new Promise((r) => w.once('exit', r));
  }
}

const results: Trial[] = [];
for (const u of ['thuong', 'hoa-toc'] as const) {
  log(`trial: a ${urgentN}-unit ${u} run ${delayS} s after a ${backlogN}-unit ordinary run…`);
  results.push(await trial(u));
}

const pad = (s: string, n: number) => s.padStart(n);
const lines = [
  `Priority: a ${urgentN}-unit run started ${delayS} s after an ordinary ${backlogN}-unit run, one worker`,
  `${'small run'.padEnd(12)}  ${pad('priority', 8)}  ${pad('its mail out after s', 20)}  ${pad('backlog mails by then', 21)}  ${pad('backlog done s', 14)}`,
  ...results.map(
    (r) =>
      `${(r.urgency === 'hoa-toc' ? 'hỏa tốc' : 'thường').padEnd(12)}  ${pad(r.urgency === 'hoa-toc' ? '1' : '— (3)', 8)}  ${pad(r.urgentS.toFixed(1), 20)}  ${pad(String(r.backlogAtUrgentDone), 21)}  ${pad(r.backlogS.toFixed(1), 14)}`,
  ),
  `ratio (thường ÷ hỏa tốc, time to the small run's mail): ${(results[0]!.urgentS / results[1]!.urgentS).toFixed(2)}`,
  `machine: ${cpus().length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`,
];
process.stdout.write(lines.join('\n') + '\n');

await sink.close();
await server.stop();
rmSync(work, { recursive: true, force: true });
