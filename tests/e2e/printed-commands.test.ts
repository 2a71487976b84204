import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { staffAccount } from '../helpers/accounts';
import type { WorkflowHandle } from '@temporalio/client';
import { startRun } from '../../src/client/start-run';
import { describeError, main } from '../../src/cli/main';
import { unitWorkflowId } from '../../src/workflows/ids';
import { raiseDifficultyUpdate, requestExtensionUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { TestSmtp, textOf } from '../helpers/test-smtp';

/**
 * Every command a message prints, taken from the email the Office actually received, with its
 * placeholders filled in, run through the CLI's own entry point against the dev server: it must
 * succeed and do what the message says it does.
 */
let smtp: TestSmtp;
let s: Stack;
const env: Record<string, string | undefined> = {};
beforeAll(async () => {
  smtp = await TestSmtp.create();
  s = await devServerStack({ CHIDAO_SMTP_URL: smtp.url });
  // The CLI reads its connection from the environment, as a clerk's shell would give it.
  for (const [k, v] of Object.entries({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    CHIDAO_TASK_QUEUE: s.taskQueue,
    // A clerk's shell also names who they are: the printed commands carry no --as.
    CHIDAO_DATA_DIR: s.config.CHIDAO_DATA_DIR,
    CHIDAO_USER: (await staffAccount(s.config.CHIDAO_DATA_DIR)).login,
  })) {
    env[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await s?.close();
  await smtp?.down();
});

async function waitUntil<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined as T);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > until) throw new Error('timed out waiting: ' + JSON.stringify(v));
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Words of a command line as a POSIX shell splits them: blanks separate, quotes group, `'\''` escapes. */
function shellSplit(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced ${c} in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\') word = (word ?? '') + line[++i];
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The one command line in the text of the Office's email of `kind` about `unit`, waiting for it to arrive. */
async function printedCommand(runKey: string, kind: string, unitName: string): Promise<string> {
  const mail = await waitUntil(
    async () =>
      smtp.received.find((m) => m.kind === kind && m.raw.includes(runKey) && textOf(m.raw).includes(unitName)),
    (m) => !!m,
  );
  expect(mail!.to).toEqual(['vp@thads.example']);
  const lines = textOf(mail!.raw)
    .split('\n')
    .filter((l) => /^chidao /.test(l));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** Runs the CLI in this process, as bin/chidao.mjs does: the exit code and what it printed. */
async function cli(words: string[]): Promise<{ code: number; out: string }> {
  expect(words[0]).toBe('chidao');
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  try {
    return { code: await main(words.slice(1), sink), out };
  } catch (e) {
    const d = describeError(e);
    return { code: d.code, out: out + d.message };
  }
}

/** Until the lifecycle has nothing in flight: the Office acts on a message after reading it, not while it is sent. */
async function settled(h: WorkflowHandle): Promise<void> {
  await waitUntil(
    async () => {
      const d = await h.describe();
      return !(d.raw.pendingActivities ?? []).length && !d.raw.pendingWorkflowTask;
    },
    (idle) => idle,
  );
}

describe('commands printed in messages', () => {
  const policy = { acknowledge: { due: '10 ngày' }, reminders: [], escalation: [] };

  it('undeliverable → chidao address <run key> <unit> <email>: the unit gets the directive at the corrected address', async () => {
    await s.run(async () => {
      const plan = testPlan({ policy, units: 1 });
      smtp.refuse.add('t1@thads.example');
      try {
        await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 100 });
        const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
        const line = await printedCommand(plan.key, 'undeliverable', 'Cục THADS tỉnh Thử 1');
        expect(line).toBe(`chidao address ${plan.key} T1 <email> [<email>…]`);
        await settled(h);

        const words = shellSplit(line)
          .filter((w) => w !== '[<email>…]')
          .map((w) => (w === '<email>' ? 't1.moi@thads.example' : w));
        const { code, out } = await cli(words);
        expect(out).toContain(`Đã ghi nhận: address T1 (${plan.key})`);
        expect(code).toBe(0);

        const st = await waitUntil(
          () => h.query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
        expect(st.unit.emails).toEqual(['t1.moi@thads.example']);
        await waitUntil(
          async () =>
            smtp.received.filter(
              (m) => m.kind === 'dispatch' && m.raw.includes(plan.key) && m.to[0] === 't1.moi@thads.example',
            ).length,
          (n) => n === 1,
        );
      } finally {
        smtp.refuse.delete('t1@thads.example');
      }
    });
  });

  it('extension-requested → chidao extend <run key> <unit> --until <date asked>: the deadline moves to what the unit asked', async () => {
    await s.run(async () => {
      const plan = testPlan({ policy, units: 1 });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 100 });
      const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      const before = await waitUntil(
        () => h.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );
      const asked = new Date(before.ackDeadline! + 40 * 86_400_000).toISOString().slice(0, 10);
      await h.executeUpdate(requestExtensionUpdate, {
        args: [
          {
            by: { channel: 'link', by: 'Cục THADS tỉnh Thử 1' },
            until: { date: asked },
            reason: 'Chờ số liệu của các Chi cục',
          },
        ],
      });
      const requested = (await h.query(unitStateQuery)).extensionRequests[0]!.until;

      const line = await printedCommand(plan.key, 'extension-requested', 'Cục THADS tỉnh Thử 1');
      expect(line).toMatch(new RegExp(`^chidao extend ${plan.key} T1 --until \\d{4}-\\d{2}-\\d{2}$`));
      await settled(h);
      const { code, out } = await cli(shellSplit(line));
      expect(out).toContain(`Đã ghi nhận: extend T1 (${plan.key})`);
      expect(code).toBe(0);

      const st = await h.query(unitStateQuery);
      expect(st.extensions).toHaveLength(1);
      expect(st.extensions[0]).toMatchObject({ target: 'acknowledge', from: before.ackDeadline, until: requested });
      expect(st.ackDeadline).toBe(requested);
      await waitUntil(
        async () => smtp.received.filter((m) => m.kind === 'extension-granted' && m.raw.includes(plan.key)).length,
        (n) => n === 1,
      );
    });
  });

  it('difficulty-raised → chidao answer <run key> <unit> <no.> --text "<nội dung>": the difficulty is answered and the unit told', async () => {
    await s.run(async () => {
      const plan = testPlan({ policy, units: 1 });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 100 });
      const h = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      await waitUntil(
        () => h.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );
      await h.executeUpdate(raiseDifficultyUpdate, {
        args: [{ by: { channel: 'link', by: 'Cục THADS tỉnh Thử 1' }, text: 'Chưa có mẫu báo cáo.' }],
      });

      const line = await printedCommand(plan.key, 'difficulty-raised', 'Cục THADS tỉnh Thử 1');
      expect(line).toBe(`chidao answer ${plan.key} T1 1 --text "<nội dung>"`);
      await settled(h);
      // The clerk types the answer between the quotes, as the message asks.
      const answer = `Dùng mẫu số 01, kèm "Công văn 12/VP" và 'phụ lục'.`;
      const { code, out } = await cli(shellSplit(line.replace('"<nội dung>"', `'${answer.replace(/'/g, `'\\''`)}'`)));
      expect(out).toContain(`Đã ghi nhận: answer T1 (${plan.key})`);
      expect(code).toBe(0);

      const st = await h.query(unitStateQuery);
      expect(st.difficulties[0]!.answer?.text).toBe(answer);
      await waitUntil(
        async () => smtp.received.filter((m) => m.kind === 'difficulty-answered' && m.raw.includes(plan.key)).length,
        (n) => n === 1,
      );
    });
  });

  it('the command as the reference (what messages printed before) is refused by the CLI, so the test above can fail', async () => {
    const { code, out } = await cli(['chidao', 'address', '1187/QLTHADS-VP', 'T1', 'a@thads.example']);
    expect(code).not.toBe(0);
    expect(out).toMatch(/ghi rõ năm ban hành/);
  });
});
