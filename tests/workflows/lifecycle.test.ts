import { describe, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import { fetchRunHistories, replayHistories, writeHistories, type NamedHistory } from '../../src/audit/histories';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { startRun, DuplicateRunError } from '../../src/client/start-run';
import { createSmtpMailer, type Mailer } from '../../src/activities/mailer';
import { unitWorkflowId, runWorkflowId } from '../../src/workflows/ids';
import {
  acknowledgeUpdate,
  extendUpdate,
  submitReportUpdate,
  acceptReportUpdate,
  unitStateQuery,
  returnReportUpdate,
} from '../../src/workflows/unit-lifecycle';
import { closeUpdate, recallUpdate } from '../../src/workflows/dissemination-run';
import { vnDateTime } from '../../src/domain/vn-format';
import { timeSkippingStack, type Stack } from '../helpers/stack';
import { smallRegistry, testPlan } from '../helpers/fixtures';
import { Registries } from '../../src/registries/registries';
import { both, mails, ofKind, ofRun, waitForMails, type ReceivedMail } from '../helpers/mailbox';
import { waitUntil } from '../helpers/wait';

/**
 * The unit lifecycle on the time-skipping server: minutes-long policies (ISO 8601) run in moments, and
 * every message is real mail read back from the SMTP server. Each test has its own time-skipping server:
 * one test's sleep never advances another test's runs (a shared server once put reminders caused by later
 * tests into a committed fixture).
 */
const produced: { name: string; histories: NamedHistory[] }[] = [];

const FAST = {
  acknowledge: { due: 'PT10M' },
  reports: [{ id: 'ket-qua', title: 'Báo cáo kết quả triển khai', due: 'PT1H' }],
  reminders: ['PT5M', 'PT2M'],
  escalation: [
    { after: 'PT5M', notify: 'head' },
    { after: 'PT15M', notify: 'leader' },
    { after: 'PT30M', notify: 'office' },
  ],
};

type Started = Awaited<ReturnType<typeof startIn>>;

/** Starts a run and waits until every recipient (each unit and the leader "để b/c") has its dispatch. */
async function startIn(s: Stack, policy: Record<string, unknown> = FAST, units = 2) {
  const plan = testPlan({ policy, units });
  await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
  const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
  const run = s.client.workflow.getHandle(runWorkflowId(plan.key));
  for (let i = 1; i <= units; i++)
    await waitUntil(
      () => unit(`T${i}`).query(unitStateQuery),
      (st) => st.stage === 'dispatched',
    );
  const dispatches = await waitForMails(both(ofRun(plan.key), ofKind('dispatch')), units + 1);
  expect(dispatches.map((m) => m.to[0]!.address).sort()).toEqual(
    [...Array.from({ length: units }, (_, i) => `t${i + 1}@thads.example`), 'tct@thads.example'].sort(),
  );
  return { plan, unit, run };
}

/**
 * One test on a time-skipping server of its own. The histories of the runs it started are kept for the
 * replay test below, read before the server goes away.
 */
async function scenario(
  fn: (s: Stack, start: (policy?: Record<string, unknown>, units?: number) => Promise<Started>) => Promise<void>,
  mailer?: Mailer,
): Promise<void> {
  const s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' }, mailer);
  const keys: string[] = [];
  const name = expect.getState().currentTestName!.replace(/^.*> /, '');
  try {
    await s.run(() =>
      fn(s, async (policy, units) => {
        const st = await startIn(s, policy, units);
        keys.push(st.plan.key);
        return st;
      }),
    );
    for (const key of keys) produced.push({ name, histories: await s.run(() => fetchRunHistories(s.client, key)) });
  } finally {
    await s.close();
  }
}

const office = { channel: 'office' as const, by: 'Văn phòng (nhận qua điện thoại)' };
const to = (address: string) => (m: ReceivedMail) => m.to.some((t) => t.address === address);
const aboutUnit = (n: number) => (m: ReceivedMail) => m.subject.includes(`Thử ${n} -`);

describe('unit lifecycle', () => {
  it('acknowledged on time: no reminder, no escalation; the report is then awaited', async () => {
    await scenario(async (s, start) => {
      const { plan, unit } = await start();
      const st = await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      expect(st.stage).toBe('acknowledged');
      // The report is due an hour after the dispatch, and now awaited.
      expect(st.reportDeadline).toBe(st.dispatchedAt! + 3_600_000);
      // Past the original deadline (10 min) and all three escalation times (15, 25, 40 min), before the
      // report's reminders (55, 58 min).
      await s.env!.sleep('45m');
      // T2 did not acknowledge: its mails show that the time really passed. Wait for the last of them.
      const t2esc = await waitForMails(both(ofRun(plan.key), ofKind('escalation'), aboutUnit(2)), 3);
      expect(t2esc.map((m) => m.to[0]!.address)).toEqual([
        'head2@thads.example',
        'leader2@thads.example',
        'vp@thads.example',
      ]);
      expect(await mails(both(ofRun(plan.key), ofKind('reminder'), to('t2@thads.example')))).toHaveLength(2);

      const t1 = await unit('T1').query(unitStateQuery);
      expect(t1).toMatchObject({ stage: 'acknowledged', overdue: false, escalationLevel: 0, remindersSent: 0 });
      expect(t1.reportDeadline).toBe(st.reportDeadline);
      expect(await mails(both(ofRun(plan.key), ofKind('reminder'), to('t1@thads.example')))).toEqual([]);
      expect(await mails(both(ofRun(plan.key), ofKind('escalation'), aboutUnit(1)))).toEqual([]);
    });
  });

  it('late acknowledgement: reminders, overdue, then each escalation step in order', async () => {
    await scenario(async (s, start) => {
      const { plan, unit } = await start(FAST, 1);
      const { ackDeadline } = await unit('T1').query(unitStateQuery);
      await s.env!.sleep('45m');
      const st = await unit('T1').query(unitStateQuery);
      expect(st.overdue).toBe(true);
      expect(st.escalationLevel).toBe(3);
      expect(st.remindersSent).toBe(2);
      // The state changes before each mail is sent: wait for the mails themselves, then read them all.
      await waitForMails(both(ofRun(plan.key), ofKind('escalation')), 3);
      const followUps = await mails(
        both(ofRun(plan.key), (m) => ['reminder', 'escalation'].includes(m.headers['x-chidao-kind']!)),
      );
      // Exactly these, in the order they were sent: two reminders to the unit, then levels 1, 2, 3.
      expect(followUps.map((m) => [m.headers['x-chidao-kind'], m.to.map((t) => t.address).join(',')])).toEqual([
        ['reminder', 't1@thads.example'],
        ['reminder', 't1@thads.example'],
        ['escalation', 'head1@thads.example'],
        ['escalation', 'leader1@thads.example'],
        ['escalation', 'vp@thads.example'],
      ]);
      for (const r of followUps.slice(0, 2)) expect(r.text).toContain(vnDateTime(ackDeadline!));
      followUps.slice(2).forEach((m, i) => {
        expect(m.subject).toMatch(new RegExp(`\\] Quá hạn \\(mức ${i + 1}\\): Cục THADS tỉnh Thử 1 - `));
        expect(m.text).toContain(`Đây là thông báo đôn đốc mức ${i + 1}.`);
      });
      const acked = await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      expect(acked.overdue).toBe(false);
      expect(acked.stage).toBe('acknowledged');
    });
  });

  it('escalation reaches the head and leader of the registry version in effect when the step fires', async () => {
    await scenario(async (s, start) => {
      // The run's registry is kept here and in effect; after the start, T1's head is replaced and its
      // leader struck off. T2 stays as it was.
      const registries = Registries.inDataDir(s.config.CHIDAO_DATA_DIR);
      const admin = { login: 'quantri', name: 'Quản trị', roles: ['quan-tri' as const] };
      registries.store.put(smallRegistry(2), { source: 'test', by: 'test' });
      registries.activate('test', '2023-01-01', admin);
      const { plan } = await start(FAST, 2);
      expect(plan.registry).toEqual({ id: 'test', effective: '2023-01-01' });
      const newHead = { name: 'Cục trưởng mới', title: 'Cục trưởng', email: 'newhead1@thads.example' };
      registries.editUnit('test', '2023-01-01', 'T1', { emails: ['t1@thads.example'], head: newHead }, admin);
      await s.env!.sleep('45m');
      const t1 = await waitForMails(both(ofRun(plan.key), ofKind('escalation'), aboutUnit(1)), 3);
      // Level 2 had no leader left in the version in effect: it went to the Office instead.
      expect(t1.map((m) => m.to[0]!.address)).toEqual([
        'newhead1@thads.example',
        'vp@thads.example',
        'vp@thads.example',
      ]);
      expect(t1[0]!.text).toContain('Cục trưởng mới');
      const t2 = await waitForMails(both(ofRun(plan.key), ofKind('escalation'), aboutUnit(2)), 3);
      expect(t2.map((m) => m.to[0]!.address)).toEqual([
        'head2@thads.example',
        'leader2@thads.example',
        'vp@thads.example',
      ]);
    });
  });

  it('report before its deadline is accepted and the unit is done', async () => {
    await scenario(async (_s, start) => {
      const { unit } = await start();
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await unit('T1').executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Đã tổ chức quán triệt.' }] });
      const done = await unit('T1').executeUpdate(acceptReportUpdate, { args: [{ by: 'VP' }] });
      expect(done.stage).toBe('done');
      expect(await unit('T1').result()).toMatchObject({ stage: 'done', reports: 1, overdue: false });
    });
  });

  it('report after its deadline: overdue until it arrives; a returned report waits again', async () => {
    await scenario(async (s, start) => {
      const { plan, unit } = await start(FAST, 1);
      const acked = await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await s.env!.sleep('70m');
      const late = await unit('T1').query(unitStateQuery);
      expect(late.overdue).toBe(true);
      expect(late.reportDeadline).toBe(acked.reportDeadline);
      const rep = await unit('T1').executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Báo cáo muộn.' }] });
      expect(rep.overdue).toBe(false);

      const before = await s.env!.currentTimeMs();
      const ret = await unit('T1').executeUpdate(returnReportUpdate, {
        args: [{ by: 'VP', reason: 'Thiếu số liệu', due: { within: { kind: 'exact', ms: 600_000 } } }],
      });
      const after = await s.env!.currentTimeMs();
      expect(ret.stage).toBe('returned');
      expect(ret.overdue).toBe(false);
      // A new deadline ten minutes after the return, not the old one.
      expect(ret.reportDeadline).toBeGreaterThanOrEqual(before + 600_000);
      expect(ret.reportDeadline).toBeLessThanOrEqual(after + 600_000);
      const returned = await waitForMails(both(ofRun(plan.key), ofKind('report-returned')), 1);
      expect(returned).toHaveLength(1);
      expect(returned[0]!.to.map((t) => t.address)).toEqual(['t1@thads.example']);
      expect(returned[0]!.text).toContain('Thiếu số liệu');
      expect(returned[0]!.text).toContain(vnDateTime(ret.reportDeadline!));

      // It waits again: past the new deadline it is overdue again.
      await s.env!.sleep('11m');
      const again = await unit('T1').query(unitStateQuery);
      expect(again).toMatchObject({ stage: 'returned', overdue: true, reportDeadline: ret.reportDeadline });
    });
  });

  it('an extension moves the deadline and re-arms the reminders for the new date', async () => {
    await scenario(async (s, start) => {
      const { plan, unit } = await start(FAST, 1);
      const before = await unit('T1').query(unitStateQuery);
      const st = await unit('T1').executeUpdate(extendUpdate, {
        args: [{ by: 'VP', until: { instant: before.ackDeadline! + 3_600_000 }, reason: 'Đơn vị đề nghị' }],
      });
      expect(st.ackDeadline).toBe(before.ackDeadline! + 3_600_000);
      const reminders = both(ofRun(plan.key), ofKind('reminder'));
      await s.env!.sleep('20m');
      const mid = await unit('T1').query(unitStateQuery);
      // The old deadline passed without overdue or escalation; no reminder yet for the new one.
      expect(mid).toMatchObject({ overdue: false, escalationLevel: 0, remindersSent: 0, firedKeys: [] });
      expect(await mails(reminders)).toEqual([]);
      // The new deadline is 70 min after dispatch; its reminders fall at 65 and 68 min.
      await s.env!.sleep('49m');
      const late = await unit('T1').query(unitStateQuery);
      expect(late).toMatchObject({ overdue: false, escalationLevel: 0, remindersSent: 2 });
      expect(late.firedKeys).toHaveLength(2);
      expect(late.firedKeys.every((k) => k.includes(String(st.ackDeadline)))).toBe(true);
      const sent = await waitForMails(reminders, 2);
      expect(sent).toHaveLength(2);
      for (const m of sent) expect(m.text).toContain(vnDateTime(st.ackDeadline!));
    });
  });

  it('validators refuse bad calls at once, with a reason', async () => {
    await scenario(async (_s, start) => {
      const { unit } = await start();
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      const again = unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await expect(again).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(again).rejects.toMatchObject({ cause: { type: 'AlreadyAcknowledged' } });
      await expect(unit('T1').executeUpdate(acceptReportUpdate, { args: [{ by: 'VP' }] })).rejects.toMatchObject({
        cause: { type: 'NoReportPending' },
      });
      const cur = await unit('T1').query(unitStateQuery);
      await expect(
        unit('T1').executeUpdate(extendUpdate, {
          args: [{ by: 'VP', until: { instant: cur.reportDeadline! - 1000 }, reason: 'x' }],
        }),
      ).rejects.toMatchObject({ cause: { type: 'NotLater' } });
    });
  });

  it('a duplicate start of the same directive is refused', async () => {
    await scenario(async (s, start) => {
      const { plan } = await start();
      await expect(
        startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 }),
      ).rejects.toBeInstanceOf(DuplicateRunError);
    });
  });

  it('recall mid-run stops every unit, tells them, and refuses later acts', async () => {
    // The recall notices are held at our mailer until the refusals are checked: the run (waiting for its
    // units to tell their recipients) is certainly still open, so a refusal is the run's, not Temporal's
    // "workflow completed".
    const smtp = createSmtpMailer({
      url: `smtp://127.0.0.1:${inject('smtpPort')}?ignoreTLS=true`,
      rate: 1000,
      poolSize: 2,
    });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const recallReached = new Promise<void>((r) => (reached = r));
    const gated: Mailer = {
      async send(m) {
        if (m.headers?.['X-Chidao-Kind'] === 'recall') {
          reached();
          await held;
        }
        return smtp.send(m);
      },
      close: () => smtp.close(),
    };
    try {
      await scenario(async (_s, start) => {
        const { plan, unit, run } = await start();
        await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
        await run.executeUpdate(recallUpdate, { args: [{ by: 'VP', reason: 'Ban hành nhầm phiên bản' }] });
        await recallReached;
        expect((await run.describe()).status.name).toBe('RUNNING');
        const closing = run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
        await expect(closing).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
        await expect(closing).rejects.toMatchObject({
          cause: { type: 'DirectiveRecalled', message: expect.stringMatching(/đã bị thu hồi/) },
        });
        const st = await unit('T2').query(unitStateQuery);
        expect(st.stage).toBe('recalled');
        await expect(unit('T2').executeUpdate(acknowledgeUpdate, { args: [office] })).rejects.toMatchObject({
          cause: { type: 'DirectiveRecalled', message: 'Văn bản đã bị thu hồi; không thể thực hiện thao tác này.' },
        });
        expect((await run.describe()).status.name).toBe('RUNNING');
        release();

        const summary = await run.result();
        expect(summary.outcome).toBe('recalled');
        expect(summary.counts.recalled).toBe(2);
        const notices = await waitForMails(both(ofRun(plan.key), ofKind('recall')), 2);
        expect(notices.map((m) => m.to[0]!.address).sort()).toEqual(['t1@thads.example', 't2@thads.example']);
      }, gated);
    } finally {
      release();
    }
  });

  it('a recurring report runs cycle after cycle, each with its own deadline', async () => {
    const policy = {
      ...FAST,
      reports: [{ id: 'so-ket', title: 'Báo cáo sơ kết', due: 'PT1H', recurrence: { every: 'PT1H', count: 3 } }],
    };
    await scenario(async (_s, start) => {
      const { unit } = await start(policy, 1);
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      const deadlines: number[] = [];
      for (let cycle = 0; cycle < 3; cycle++) {
        const st = await unit('T1').query(unitStateQuery);
        expect(st.reportCycle).toBe(cycle);
        deadlines.push(st.reportDeadline!);
        await unit('T1').executeUpdate(submitReportUpdate, { args: [{ by: office, text: `Kỳ ${cycle + 1}` }] });
        await unit('T1').executeUpdate(acceptReportUpdate, { args: [{ by: 'VP' }] });
      }
      expect(deadlines[1]! - deadlines[0]!).toBe(3_600_000);
      expect(deadlines[2]! - deadlines[1]!).toBe(3_600_000);
      expect(await unit('T1').result()).toMatchObject({ stage: 'done', reports: 3 });
    });
  });

  it('closing the run sends the summary to the Office and the leaders "để b/c"', async () => {
    await scenario(async (_s, start) => {
      const { plan, unit, run } = await start();
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: 'Kết thúc đợt theo dõi' }] });
      const summary = await run.result();
      expect(summary).toMatchObject({ outcome: 'closed', total: 2 });
      const sum = await waitForMails(both(ofRun(plan.key), ofKind('summary')), 1);
      expect(sum).toHaveLength(1);
      expect(sum[0]!.to.map((t) => t.address).sort()).toEqual(['tct@thads.example', 'vp@thads.example']);
    });
  });
});

describe('replay', () => {
  // Replays what the tests above produced, and (so that it means something alone, under -t) a run of its own.
  it('every history these tests produced replays with the current workflow code', async () => {
    await scenario(async (_s, start) => {
      const { unit } = await start(FAST, 1);
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await unit('T1').executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Đã quán triệt.' }] });
      await unit('T1').executeUpdate(acceptReportUpdate, { args: [{ by: 'VP' }] });
    });
    expect(produced.length).toBeGreaterThanOrEqual(1);
    const all: NamedHistory[] = [];
    for (const r of produced) {
      // Every run has at least its run, one batch and one lifecycle.
      expect(r.histories.length).toBeGreaterThanOrEqual(3);
      all.push(...r.histories);
      // CHIDAO_RECORD_FIXTURES=<tag> adds fixtures that CI replays (tests/fixtures/histories/<tag>-<scenario>);
      // older tags stay, so every shape of history still running somewhere keeps being replayed.
      const tag = process.env.CHIDAO_RECORD_FIXTURES;
      if (tag) writeHistories(join('tests/fixtures/histories', `${tag}-${slug(r.name)}`), r.histories);
    }
    const results = await replayHistories(all, { workflowBundle: { codePath: inject('bundlePath') } });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results).toHaveLength(all.length);
  });
});

function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}
