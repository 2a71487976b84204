import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startRun } from '../../src/client/start-run';
import { createWebServer } from '../../src/web/server';
import { closeUpdate } from '../../src/workflows/dissemination-run';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { acknowledgeUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { staffAccount } from '../helpers/accounts';
import { injectLogin } from '../helpers/inject';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';

/** The run list: each run's subject, urgency and units counted by stage, filtered by year, state and text. */
let s: Stack;
let web: FastifyInstance;
let cookie: string;

beforeAll(async () => {
  s = await devServerStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
  web = await createWebServer({ client: s.client, config: { ...s.config, CHIDAO_TASK_QUEUE: s.taskQueue } });
  cookie = await injectLogin(web, await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'ds', roles: ['lanh-dao'] }));
});
afterAll(async () => {
  await web?.close();
  await s?.close();
});

const list = async (query = '') =>
  (await web.inject({ method: 'GET', url: `/office${query}`, cookies: { chidao_session: cookie } })).body;
const rowOf = (body: string, key: string) => new RegExp(`<tr data-run="${key}">[\\s\\S]*?</tr>`).exec(body)?.[0];
const cells = (row: string) =>
  [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());

describe('the run list', () => {
  it('shows each run with its subject, urgency and units by stage; filters by year, state and words without accents', async () => {
    const policy = {
      acknowledge: { due: '5 ngày làm việc' },
      reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: '10 ngày làm việc' }],
      reminders: [],
      escalation: [],
    };
    const open = testPlan({ units: 3, urgency: 'khan', policy });
    const closed = testPlan({ units: 2, policy });
    await s.run(async () => {
      for (const p of [open, closed]) {
        await startRun(s.client, p, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 10 });
        for (let i = 1; i <= p.recipients.filter((r) => r.role === 'implement').length; i++)
          await waitUntil(
            () => s.client.workflow.getHandle(unitWorkflowId(p.key, `T${i}`)).query(unitStateQuery),
            (x) => x.stage === 'dispatched',
          );
      }
      await s.client.workflow
        .getHandle(unitWorkflowId(open.key, 'T1'))
        .executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
      await s.client.workflow
        .getHandle(runWorkflowId(closed.key))
        .executeUpdate(closeUpdate, { args: [{ by: 'VP', note: 'Xong' }] });
      await s.client.workflow.getHandle(runWorkflowId(closed.key)).result();

      // The acknowledgement reaches the batch's rows, which the list reads.
      // Each run looked up by its number: the list counts only the runs it shows first, and other test
      // files' runs on the shared server must not push these out or use up the list's patience.
      const only = (p: typeof open) => list(`?q=${p.directive.number}`);
      const row = (await waitUntil(
        async () => rowOf(await only(open), open.key),
        (r) => r !== undefined && cells(r)[6] === '1',
      ))!;
      const [ref, subject, urgency, , state, total, acked, done, overdue] = cells(row);
      expect([ref, urgency, state, total, acked, done, overdue]).toEqual([
        `${open.directive.number}/TCTHADS-VP`,
        'Khẩn',
        'Đang theo dõi',
        '3',
        '1',
        '0',
        '0',
      ]);
      expect(subject).toBe(open.directive.subject);
      expect(row).toMatch(/<progress\s+value="1"\s+max="3"/);
      // A finished run shows the counts of the summary it ended with.
      expect(cells(rowOf(await only(closed), closed.key)!).slice(4, 6)).toEqual([
        expect.stringMatching(/^Đã kết thúc/),
        '2',
      ]);

      const running = await list('?state=running');
      expect([!!rowOf(running, open.key), !!rowOf(running, closed.key)]).toEqual([true, false]);
      const finished = await list('?state=finished');
      expect([!!rowOf(finished, open.key), !!rowOf(finished, closed.key)]).toEqual([false, true]);
      // "huong dan" finds "hướng dẫn"; a year with no runs shows none.
      expect(rowOf(await list(`?q=${encodeURIComponent('huong dan, don doc')}`), open.key)).toBeDefined();
      expect(rowOf(await list(`?q=${encodeURIComponent('không có từ này')}`), open.key)).toBeUndefined();
      expect(await list('?year=1999')).toContain('Không có đợt gửi nào khớp bộ lọc.');
    });
  });
});

describe('a run whose recipients are still being added', () => {
  it('shows how many are in and reloads itself; a second start completes it, and the page stops reloading', async () => {
    const plan = testPlan({
      units: 3,
      policy: { acknowledge: { due: '5 ngày làm việc' }, reminders: [], escalation: [] },
    });
    const opts = { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 10, chunk: 1 };
    const page = () =>
      web.inject({ method: 'GET', url: `/office/run/${plan.key}`, cookies: { chidao_session: cookie } });
    await s.run(async () => {
      // The start stops after the first recipient, as when the server that was adding them goes down.
      const halted = new Error('máy chủ dừng giữa chừng');
      await expect(
        startRun(s.client, plan, {
          ...opts,
          onProgress: (added) => {
            if (added === 1) throw halted;
          },
        }),
      ).rejects.toBe(halted);
      const partial = await page();
      expect(partial.statusCode).toBe(200);
      expect(partial.headers.refresh).toBe('3');
      expect(partial.body).toContain(`data-added="1" data-expected="${plan.recipients.length}"`);
      expect(partial.body).toContain(`Đang thêm nơi nhận: 1/${plan.recipients.length}.`);

      expect(await startRun(s.client, plan, opts)).toMatchObject({ resumed: true });
      const whole = await page();
      expect(whole.headers.refresh).toBeUndefined();
      expect(whole.body).not.toContain('Đang thêm nơi nhận');
    });
  });
});
