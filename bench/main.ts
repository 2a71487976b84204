/**
 * npm run bench: fan-out to N recipients on the local dev server and a real SMTP server, against the
 * floor (bare Temporal in the same shape, bare nodemailer pool), replay speed, and acknowledgement
 * latency through the units' pages. Prints tables; asserts nothing.
 *
 *   npm run bench -- --sizes 100,1000,10000 --batch-size 100
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { renderMessage } from '../src/domain/templates';
import { messageId, type MessageRequest } from '../src/domain/messages';
import { createSmtpMailer } from '../src/activities/mailer';
import { startRun } from '../src/client/start-run';
import { fetchRunHistories, replayHistories } from '../src/audit/histories';
import { runStatusQuery } from '../src/workflows/dissemination-run';
import { batchRowsQuery } from '../src/workflows/unit-batch';
import { runWorkflowId, unitWorkflowId } from '../src/workflows/ids';
import { workflowsPath } from '../src/workflows-path';
import { LinkSigner } from '../src/links/signer';
import { createWebServer } from '../src/web/server';
import { configSchema } from '../src/config';
import { startDevServer } from '../src/dev/temporal-server';
import { startSink } from './smtp-sink';
import { freePort } from './ports';
import { benchPlan } from './plan';
import { sleep, waitUntil } from './wait';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000' },
    'batch-size': { type: 'string', default: '100' },
    'pool-size': { type: 'string', default: '5' },
    'replay-size': { type: 'string', default: '1000' },
    // The server's old matcher (no priority), to see what the priority-aware one costs.
    'old-matcher': { type: 'boolean', default: false },
  },
  strict: true,
});
const sizes = values.sizes!.split(',').map(Number);
const batchSize = Number(values['batch-size']);
const poolSize = Number(values['pool-size']);
const replaySize = Number(values['replay-size']);
// Random per bench run: nothing secret is written in the source.
const SECRET = randomBytes(32).toString('hex');
const work = mkdtempSync(join(tmpdir(), 'chidao-bench-'));

Runtime.install({ logger: new DefaultLogger('WARN') });
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

// --- the stack --------------------------------------------------------------------------------------
// Workers run prebuilt bundles, as in production (npm run bundle): webpack at start is not measured.
log('bundling workflow code…');
const bundles = { ours: join(work, 'ours-bundle.js'), floor: join(work, 'floor-bundle.js') };
const quiet = new DefaultLogger('WARN');
const oursBundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
writeFileSync(bundles.ours, oursBundle.code);
writeFileSync(
  bundles.floor,
  (
    await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./floor-workflows.ts', import.meta.url)),
      logger: quiet,
    })
  ).code,
);
const server = await startDevServer({
  port: await freePort(),
  uiPort: await freePort(),
  logPath: join(work, 'temporal.log'),
  priority: !values['old-matcher'],
});
const client = new Client({ connection: server.connection });
const sink = await startSink();
const webPort = await freePort();
const publicUrl = `http://127.0.0.1:${webPort}`;
const env = (taskQueue: string): Record<string, string> => ({
  TEMPORAL_ADDRESS: server.address,
  CHIDAO_TASK_QUEUE: taskQueue,
  CHIDAO_SMTP_URL: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`,
  // No provider throttle on a local sink: the rate is not what is measured.
  CHIDAO_SEND_RATE: '100000',
  CHIDAO_SMTP_POOL_SIZE: String(poolSize),
  CHIDAO_DATA_DIR: join(work, `data-${taskQueue}`),
  CHIDAO_LINK_SECRET: SECRET,
  CHIDAO_PUBLIC_URL: publicUrl,
  CHIDAO_BATCH_SIZE: String(batchSize),
  CHIDAO_WORKFLOW_BUNDLE: bundles.ours,
  FLOOR_WORKFLOW_BUNDLE: bundles.floor,
});

/** A node process running a script through tsx, ready when it prints `ready`. */
async function spawnWorker(script: string, vars: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c) => (err += String(c)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c) => ready.test(String(c)) && resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`)));
  });
  return child;
}
const procStatus = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
/** CPU seconds (user + system) a process has used so far: where the time goes, server or worker. */
const cpuSec = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
/** Peak resident memory (VmHWM), MiB, of a worker on a prebuilt bundle. */
const peakRssMiB = (pid: number) => procStatus(pid, 'VmHWM');
/** Resident memory now (VmRSS), MiB: with every lifecycle of the run open in the worker's cache. */
const rssMiB = (pid: number) => procStatus(pid, 'VmRSS');
async function stopChild(c: ChildProcess) {
  if (c.exitCode !== null) return;
  c.kill('SIGTERM');
  await new Promise((r) => c.once('exit', r));
}

// --- measurements -----------------------------------------------------------------------------------
interface FanOut {
  n: number;
  oursMs: number;
  peakRss: number;
  rss: number;
  maxEvents: number;
  maxBytes: number;
  maxWorkflow: string;
  temporalFloorMs: number;
  /** CPU seconds during the fan-out: the Temporal server's, the worker's (after its start-up). */
  cpu: { server: number; worker: number; floorServer: number; floorWorker: number };
  temporalFloorRss: number;
  smtpFloorMs: number;
  key: string;
}

async function largestHistory(key: string, n: number): Promise<{ events: number; bytes: number; workflow: string }> {
  const status = await client.workflow.getHandle(runWorkflowId(key)).query(runStatusQuery);
  // The run, every batch, and a sample of lifecycles (all of them are alike).
  const ids = [
    runWorkflowId(key),
    ...status.batches.map((b) => b.workflowId),
    ...[0, 1, Math.floor(n / 2), n - 1].map((i) => unitWorkflowId(key, `U${String(i + 1).padStart(5, '0')}`)),
  ];
  let best = { events: 0, bytes: 0, workflow: '' };
  for (const id of ids) {
    const d = await client.workflow.getHandle(id).describe();
    if (d.historyLength > best.events)
      best = { events: d.historyLength, bytes: d.historySize ?? 0, workflow: id.replace(`chidao/${key}`, '…') };
  }
  return best;
}

async function fanOut(n: number, whileUp: (key: string) => Promise<void>): Promise<FanOut> {
  const queue = `bench-${n}-${Date.now()}`;
  const plan = benchPlan(n);

  log(`N=${n}: ours…`);
  const worker = await spawnWorker('src/worker/main.ts', env(queue), /chidao worker/);
  sink.reset();
  const serverPid = server.process.pid!;
  let cpu0 = [cpuSec(serverPid), cpuSec(worker.pid!)];
  let t0 = performance.now();
  await startRun(client, plan, { taskQueue: queue, searchAttributes: true, batchSize });
  await waitUntil(`${n} dispatch emails`, () => sink.count('dispatch') >= n, 30 * 60_000);
  const oursMs = performance.now() - t0;
  const cpu = {
    server: cpuSec(serverPid) - cpu0[0]!,
    worker: cpuSec(worker.pid!) - cpu0[1]!,
    floorServer: 0,
    floorWorker: 0,
  };
  const peakRss = peakRssMiB(worker.pid!);
  const rss = rssMiB(worker.pid!);
  const largest = await largestHistory(plan.key, n);
  // Replay and acknowledgement latency need this run's worker: queries and updates are served by it.
  await whileUp(plan.key);
  await stopChild(worker);

  log(`N=${n}: bare Temporal…`);
  const floorQueue = `${queue}-floor`;
  const floor = await spawnWorker('bench/floor-worker.ts', env(floorQueue), /floor worker ready/);
  cpu0 = [cpuSec(serverPid), cpuSec(floor.pid!)];
  t0 = performance.now();
  await client.workflow.execute('floorRun', {
    taskQueue: floorQueue,
    workflowId: `floor/${floorQueue}`,
    args: [n, batchSize],
  });
  const temporalFloorMs = performance.now() - t0;
  cpu.floorServer = cpuSec(serverPid) - cpu0[0]!;
  cpu.floorWorker = cpuSec(floor.pid!) - cpu0[1]!;
  const temporalFloorRss = peakRssMiB(floor.pid!);
  await stopChild(floor);

  log(`N=${n}: bare SMTP…`);
  const links = new LinkSigner(SECRET, publicUrl, 90);
  const mails = plan.recipients.map((r, i) => {
    const req: MessageRequest = {
      runKey: plan.key,
      ref: `${plan.directive.number}/${plan.directive.symbol}`,
      subject: plan.directive.subject,
      party: r.code,
      seq: 0,
      to: r.emails,
      replyTo: plan.office.emails,
      officeName: plan.office.name,
      eventId: i,
      kind: 'dispatch',
      unit: { code: r.code, name: r.name },
      role: r.role,
      purpose: r.purpose,
      directive: plan.directive,
      ackDeadline: Date.now() + 30 * 86400_000,
      reports: [],
    };
    return {
      req,
      m: renderMessage(req, {
        acknowledge: links.url(plan.key, r.code, 'acknowledge', Date.now()),
        report: links.url(plan.key, r.code, 'report', Date.now()),
        status: links.url(plan.key, r.code, 'status', Date.now()),
      }),
    };
  });
  const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`, rate: 100000, poolSize });
  sink.reset();
  t0 = performance.now();
  await Promise.all(
    mails.map(({ req, m }) =>
      mailer.send({
        messageId: messageId(req, 'floor.local'),
        from: 'chidao@thads.example',
        to: req.to,
        replyTo: req.replyTo,
        subject: m.subject,
        text: m.text,
        html: m.html,
        ...(m.attachment ? { attachments: [m.attachment] } : {}),
        headers: { 'X-Chidao-Kind': 'dispatch' },
      }),
    ),
  );
  const smtpFloorMs = performance.now() - t0;
  mailer.close();

  return {
    n,
    oursMs,
    cpu,
    peakRss,
    rss,
    maxEvents: largest.events,
    maxBytes: largest.bytes,
    maxWorkflow: largest.workflow,
    temporalFloorMs,
    temporalFloorRss,
    smtpFloorMs,
    key: plan.key,
  };
}

async function replay(key: string): Promise<{ histories: number; events: number; ms: number }> {
  log('replay: fetching histories…');
  const histories = await fetchRunHistories(client, key);
  log(`replay: ${histories.length} histories…`);
  const t0 = performance.now();
  const out = await replayHistories(histories, { workflowBundle: oursBundle });
  const ms = performance.now() - t0;
  const bad = out.filter((o) => !o.ok);
  if (bad.length) throw new Error(`replay failed: ${bad[0]!.workflowId}: ${bad[0]!.error}`);
  return {
    histories: histories.length,
    events: histories.reduce((s, h) => s + (h.history.events?.length ?? 0), 0),
    ms,
  };
}

async function ackLatency(
  key: string,
  n: number,
  concurrency: number,
): Promise<{ request: number[]; status: number[] }> {
  // The run's lifecycles live on the queue of the fan-out that started them; a worker serves it again.
  const status = await client.workflow.getHandle(runWorkflowId(key)).query(runStatusQuery);
  const description = await client.workflow.getHandle(runWorkflowId(key)).describe();
  const config = configSchema.parse({ ...env(description.taskQueue) });
  const web = await createWebServer({ client, config });
  await web.listen({ host: '127.0.0.1', port: webPort });
  const links = new LinkSigner(SECRET, publicUrl, 90);
  const codes = Array.from(
    { length: concurrency },
    (_, i) => `U${String(Math.floor((i * n) / concurrency) + 1).padStart(5, '0')}`,
  );
  const started = new Map<string, number>();
  const seen = new Map<string, number>();
  // One poller reads the batches' rows (what `chidao status` and the dashboard show) and notes when each unit flips.
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const rows = await Promise.all(
        status.batches.map((b) => client.workflow.getHandle(b.workflowId).query(batchRowsQuery)),
      );
      const now = performance.now();
      for (const r of rows.flat())
        if (started.has(r.code) && !seen.has(r.code) && r.acknowledgedAt !== undefined)
          seen.set(r.code, now - started.get(r.code)!);
      await sleep(20);
    }
  })();
  const request: number[] = [];
  await Promise.all(
    codes.map(async (code) => {
      const url = links.url(key, code, 'acknowledge', Date.now());
      const t0 = performance.now();
      started.set(code, t0);
      const res = await fetch(url, { method: 'POST', headers: { 'user-agent': 'chidao-bench' } });
      if (!res.ok) throw new Error(`ack ${code}: HTTP ${res.status}`);
      request.push(performance.now() - t0);
    }),
  );
  await waitUntil('acknowledgements visible in status', () => seen.size >= codes.length, 60_000);
  polling = false;
  await poller;
  await web.close();
  return { request, status: [...seen.values()] };
}

// --- tables -----------------------------------------------------------------------------------------
function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map((r) => line(r.map(String)))].join('\n');
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const sec = (ms: number) => (ms / 1000).toFixed(1);

try {
  console.log(
    `chidao bench — ${new Date().toISOString()} — ${cpus().length}× ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log(
    `batch size ${batchSize}, SMTP pool ${poolSize}, worker cache ${configSchema.parse({}).CHIDAO_WORKER_CACHE_SIZE}, prebuilt workflow bundles, dev server (SQLite in memory) and an smtp-server sink on localhost\n`,
  );
  const results: FanOut[] = [];
  let rp: { histories: number; events: number; ms: number } | undefined;
  let ack: { request: number[]; status: number[] } | undefined;
  for (const n of sizes)
    results.push(
      await fanOut(n, async (key) => {
        if (n !== replaySize) return;
        rp = await replay(key);
        log('acknowledgement latency…');
        ack = await ackLatency(key, n, 50);
      }),
    );
  console.log('1. Fan-out: start → every dispatch email accepted by SMTP');
  console.log(
    table(
      ['N', 'ours s', 'mails/s', 'worker peak RSS MiB', 'RSS after MiB', 'largest history (events)', 'bytes', 'in'],
      results.map((r) => [
        r.n,
        sec(r.oursMs),
        Math.round(r.n / (r.oursMs / 1000)),
        Math.round(r.peakRss),
        Math.round(r.rss),
        r.maxEvents,
        r.maxBytes,
        r.maxWorkflow,
      ]),
    ),
  );
  console.log('\n2. Against the floor (same run)');
  console.log(
    table(
      [
        'N',
        'bare Temporal s',
        'bare SMTP s',
        'floor s (max)',
        'ours ÷ floor',
        'ours ÷ (T+SMTP)',
        'floor worker RSS MiB',
      ],
      results.map((r) => {
        const floor = Math.max(r.temporalFloorMs, r.smtpFloorMs);
        return [
          r.n,
          sec(r.temporalFloorMs),
          sec(r.smtpFloorMs),
          sec(floor),
          (r.oursMs / floor).toFixed(2),
          (r.oursMs / (r.temporalFloorMs + r.smtpFloorMs)).toFixed(2),
          Math.round(r.temporalFloorRss),
        ];
      }),
    ),
  );
  console.log('\n   Where the time goes: CPU seconds during the fan-out (2 cores shared by server, worker, sink)');
  console.log(
    table(
      [
        'N',
        'ours: server CPU s',
        'ours: worker CPU s',
        'floor: server CPU s',
        'floor: worker CPU s',
        'server CPU ÷ floor',
      ],
      results.map((r) => [
        r.n,
        r.cpu.server.toFixed(1),
        r.cpu.worker.toFixed(1),
        r.cpu.floorServer.toFixed(1),
        r.cpu.floorWorker.toFixed(1),
        (r.cpu.server / r.cpu.floorServer).toFixed(2),
      ]),
    ),
  );
  if (rp && ack) {
    console.log(`\n3. Replay of a ${replaySize}-recipient run (every workflow of the run, bundle prebuilt)`);
    console.log(
      table(
        ['histories', 'events', 'seconds', 'histories/s', 'events/s'],
        [
          [
            rp.histories,
            rp.events,
            sec(rp.ms),
            Math.round(rp.histories / (rp.ms / 1000)),
            Math.round(rp.events / (rp.ms / 1000)),
          ],
        ],
      ),
    );
    console.log(`\n4. Acknowledgement latency, 50 concurrent link POSTs (run of ${replaySize})`);
    console.log(
      table(
        ['measured until', 'p50 ms', 'p99 ms', 'max ms'],
        [
          [
            'HTTP response (update done, unit query shows it)',
            Math.round(pct(ack.request, 50)),
            Math.round(pct(ack.request, 99)),
            Math.round(Math.max(...ack.request)),
          ],
          [
            'visible in status (batch rows)',
            Math.round(pct(ack.status, 50)),
            Math.round(pct(ack.status, 99)),
            Math.round(Math.max(...ack.status)),
          ],
        ],
      ),
    );
  } else console.log(`\n(replay and acknowledgement latency run at N=${replaySize}, which --sizes does not include)`);
} finally {
  await sink.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
