import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { startRun } from '../../src/client/start-run';
import { WorkingCalendar, localDateOf } from '../../src/domain/calendar';
import { resolveDeadline } from '../../src/domain/schedule';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import type { disseminationRun, RunSummary } from '../../src/workflows/dissemination-run';
import { addRecipientsUpdate, closeUpdate, recallUpdate, runStatusQuery } from '../../src/workflows/dissemination-run';
import { LIMITS } from '../../src/domain/unit-state';
import { MAX_RECIPIENTS_PER_UPDATE } from '../../src/domain/run-state';
import {
  acceptReportUpdate,
  acknowledgeUpdate,
  answerDifficultyUpdate,
  correctAddressUpdate,
  extendUpdate,
  raiseDifficultyUpdate,
  requestExtensionUpdate,
  returnReportUpdate,
  submitReportUpdate,
  unitStateQuery,
} from '../../src/workflows/unit-lifecycle';
import { refusalOf, replaysWithCurrentCode, timeSkippingPerTest } from '../helpers/time-skipping';
import { smallRegistry, testPlan } from '../helpers/fixtures';
import { textOf } from '../helpers/test-smtp';
import { waitUntil } from '../helpers/wait';

/**
 * Paths through the workflows no other test takes, on the time-skipping server with a real SMTP server we
 * control. Each test closes its own run before it ends, so a later test's skipped time moves no earlier run.
 */
const t = timeSkippingPerTest();

const office = { channel: 'office' as const, by: 'Văn phòng' };
const NO_FOLLOW_UP = { acknowledge: { due: 'PT1H' }, reports: [], reminders: [], escalation: [] };

const mailsOf = (key: string, kind?: string) =>
  t.smtp.received.filter((m) => m.raw.includes(`X-Chidao-Run: ${key}`) && (!kind || m.kind === kind));

async function start(plan: ReturnType<typeof testPlan>, batchSize = 100) {
  await startRun(t.s.client, plan, { taskQueue: t.s.taskQueue, searchAttributes: false, batchSize });
  const unit = (code: string) => t.s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
  const run = t.s.client.workflow.getHandle<typeof disseminationRun>(runWorkflowId(plan.key));
  for (const r of plan.recipients.filter((x) => x.role === 'implement'))
    await waitUntil(
      () => unit(r.code).query(unitStateQuery),
      (x) => x.stage === 'dispatched',
    );
  return { unit, run };
}

describe('paths through the workflows', () => {
  it('a unit asks for an extension and raises a difficulty; the Office grants, answers and corrects its address', async () => {
    await t.s.run(async () => {
      const plan = testPlan({ policy: NO_FOLLOW_UP, units: 1 });
      const { unit, run } = await start(plan);
      const before = await unit('T1').query(unitStateQuery);
      const until = before.ackDeadline! + 2 * 3_600_000;
      const link = { channel: 'link' as const, by: 'Cục THADS tỉnh Thử 1' };
      await unit('T1').executeUpdate(requestExtensionUpdate, {
        args: [{ by: link, until: { instant: until }, reason: 'Chờ số liệu' }],
      });
      const { id } = await unit('T1').executeUpdate(raiseDifficultyUpdate, {
        args: [{ by: link, text: 'Chưa có mẫu báo cáo.' }],
      });
      expect(id).toBe(1);
      const granted = await unit('T1').executeUpdate(extendUpdate, {
        args: [{ by: 'VP', until: { instant: until }, reason: 'Đồng ý' }],
      });
      expect(granted.ackDeadline).toBe(until);
      await unit('T1').executeUpdate(answerDifficultyUpdate, { args: [{ by: 'VP', id: 1, text: 'Dùng mẫu số 01.' }] });
      await unit('T1').executeUpdate(correctAddressUpdate, {
        args: [{ by: 'VP', emails: ['t1.moi@thads.example'] }],
      });
      const st = await unit('T1').query(unitStateQuery);
      expect(st.extensionRequests).toEqual([]);
      expect(st.extensions).toEqual([expect.objectContaining({ from: before.ackDeadline, until })]);
      expect(st.difficulties[0]).toMatchObject({
        id: 1,
        text: 'Chưa có mẫu báo cáo.',
        answer: { text: 'Dùng mẫu số 01.' },
      });
      expect(st.unit.emails).toEqual(['t1.moi@thads.example']);
      expect(st.linkGeneration).toBe(1);

      await waitUntil(
        () =>
          ['extension-requested', 'difficulty-raised', 'extension-granted', 'difficulty-answered'].map(
            (k) => mailsOf(plan.key, k).length,
          ),
        (n) => n.every((x) => x === 1),
      );
      expect(mailsOf(plan.key, 'extension-requested')[0]!.to).toEqual(['vp@thads.example']);
      expect(mailsOf(plan.key, 'difficulty-raised')[0]!.to).toEqual(['vp@thads.example']);
      // The answer was sent before the correction, to the address the unit had then.
      expect(mailsOf(plan.key, 'difficulty-answered')[0]!.to).toEqual(['t1@thads.example']);

      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
      await replaysWithCurrentCode(t.s.client, plan.key, 3);
    });
  });

  it('a digest goes to the Office every period with the counts, and stops when the run closes', async () => {
    await t.s.run(async () => {
      const plan = testPlan({ policy: { ...NO_FOLLOW_UP, digest: { every: 'PT10M' } }, units: 2 });
      const { unit, run } = await start(plan);
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      await t.s.env!.sleep(25 * 60_000);
      const digests = await waitUntil(
        () => mailsOf(plan.key, 'digest'),
        (m) => m.length >= 2,
      );
      expect(digests).toHaveLength(2);
      for (const d of digests) {
        expect(d.to).toEqual(['vp@thads.example']);
        const text = textOf(d.raw);
        expect(text).toContain('Tổng số đơn vị thực hiện: 2');
        // No report is asked for: the unit that acknowledged is done.
        expect(text).toContain('Hoàn thành: 1');
        expect(text).toContain('Đã gửi, chờ xác nhận: 1');
      }
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
      await t.s.env!.sleep(30 * 60_000);
      expect(mailsOf(plan.key, 'digest')).toHaveLength(2);
      // The run ended at its close, not at its next digest: no timer fired after the close was accepted,
      // and the run completed within the digest period of it.
      const { events } = await run.fetchHistory();
      const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
        Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
      const closeAt = events!.findIndex(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'close',
      );
      expect(closeAt).toBeGreaterThan(0);
      const after = events!.slice(closeAt);
      expect(after.filter((e) => e.timerFiredEventAttributes)).toEqual([]);
      const completed = after.find((e) => e.workflowExecutionCompletedEventAttributes);
      expect(ms(completed!.eventTime) - ms(events![closeAt]!.eventTime)).toBeLessThan(10 * 60_000);
      await replaysWithCurrentCode(t.s.client, plan.key, 3);
    });
  });

  it('several batches: five units in batches of two make three batches, and every unit is followed', async () => {
    await t.s.run(async () => {
      const plan = testPlan({ policy: NO_FOLLOW_UP, units: 5 });
      const { unit, run } = await start(plan, 2);
      const status = await run.query(runStatusQuery);
      expect(status.batches.map((b) => b.size)).toEqual([2, 2, 1]);
      expect(status.added).toBe(6);
      for (const code of ['T1', 'T2', 'T3', 'T4', 'T5'])
        expect((await unit(code).query(unitStateQuery)).stage).toBe('dispatched');
      await unit('T5').executeUpdate(acknowledgeUpdate, { args: [office] });
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      const summary: RunSummary = await run.result();
      expect(summary).toMatchObject({ outcome: 'closed', total: 5 });
      await replaysWithCurrentCode(t.s.client, plan.key, 5);
    });
  });

  it('a directive that asks for no report: the unit is done once it acknowledges', async () => {
    await t.s.run(async () => {
      const plan = testPlan({ policy: NO_FOLLOW_UP, units: 1 });
      const { unit, run } = await start(plan);
      const st = await unit('T1').executeUpdate(acknowledgeUpdate, { args: [office] });
      expect(st.stage).toBe('done');
      expect(st.reportDeadline).toBeUndefined();
      expect(await unit('T1').result()).toMatchObject({ stage: 'done', reports: 0, overdue: false });
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      expect(await run.result()).toMatchObject({ counts: { done: 1 } });
    });
  });

  it('an escalation to the head of a unit that has none goes to the Office, addressed to the Office', async () => {
    await t.s.run(async () => {
      const registry = smallRegistry(1);
      delete (registry.units.find((u) => u.code === 'T1') as { head?: unknown }).head;
      const policy = {
        ...NO_FOLLOW_UP,
        acknowledge: { due: 'PT10M' },
        escalation: [{ after: 'PT5M', notify: 'head' }],
      };
      const plan = testPlan({ policy, registry });
      const { unit, run } = await start(plan);
      await t.s.env!.sleep(16 * 60_000);
      const [esc, ...more] = await waitUntil(
        () => mailsOf(plan.key, 'escalation'),
        (m) => m.length >= 1,
      );
      expect(more).toEqual([]);
      expect(esc!.to).toEqual(['vp@thads.example']);
      expect(textOf(esc!.raw)).toContain('Kính gửi: Văn phòng Tổng cục');
      expect(await unit('T1').query(unitStateQuery)).toMatchObject({ overdue: true, escalationLevel: 1 });
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
    });
  });

  it('an info recipient refused with 550 is not counted as informed, and the run still closes', async () => {
    await t.s.run(async () => {
      t.smtp.refuse.add('tct@thads.example');
      const plan = testPlan({ policy: NO_FOLLOW_UP, units: 1 });
      const { run } = await start(plan);
      const status = await waitUntil(
        () => run.query(runStatusQuery),
        (x) => t.smtp.received.some((m) => m.raw.includes(plan.key) && m.to.includes('t1@thads.example')) && !!x,
      );
      expect(status.info.map((i) => [i.code, i.delivered])).toEqual([['TCT', false]]);
      expect(mailsOf(plan.key).some((m) => m.to.includes('tct@thads.example'))).toBe(false);
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      const summary = await run.result();
      expect(summary.counts.informed ?? 0).toBe(0);
    });
  });

  it('addRecipients refuses an empty list, a unit already in the run, and any unit once the run is closed, each with its type and reason', async () => {
    await t.s.run(async () => {
      const plan = testPlan({ policy: NO_FOLLOW_UP, units: 1 });
      const { run } = await start(plan);
      const refusal = async (recipients: typeof plan.recipients) => {
        const e = await run.executeUpdate(addRecipientsUpdate, { args: [{ recipients }] }).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
        const { type, message } = (e as WorkflowUpdateFailedError).cause as unknown as {
          type: string;
          message: string;
        };
        return { type, message };
      };
      expect(await refusal([])).toEqual({ type: 'NoRecipients', message: 'Không có nơi nhận nào để thêm.' });
      expect(await refusal([plan.recipients[0]!])).toEqual({
        type: 'AlreadyAdded',
        message: `Đơn vị "T1" đã có trong đợt gửi ${plan.directive.number}/TCTHADS-VP.`,
      });
      // The summary cannot leave while the mail server is down: the run is surely still open below.
      await t.smtp.down();
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      const other = { ...plan.recipients[0]!, code: 'T9', name: 'Cục THADS tỉnh Thử 9' };
      expect(await refusal([other])).toEqual({
        type: 'RunClosed',
        message: `Đợt gửi ${plan.directive.number}/TCTHADS-VP đã kết thúc; không thể thêm nơi nhận.`,
      });
      expect((await run.query(runStatusQuery)).added).toBe(2);
      await t.smtp.up();
      await run.result();
    });
  });

  it('a start that stopped halfway is resumed: only the missing units are added, and it says so', async () => {
    await t.s.run(async () => {
      const plan = testPlan({ policy: NO_FOLLOW_UP, units: 3 });
      // What a start that died after its first chunk leaves: the run, and one unit added.
      const first = await startRun(
        t.s.client,
        { ...plan, recipients: plan.recipients.slice(0, 1) },
        {
          taskQueue: t.s.taskQueue,
          searchAttributes: false,
          batchSize: 100,
        },
      ).catch((e: unknown) => e);
      expect(first).toMatchObject({ resumed: false });
      const run = t.s.client.workflow.getHandle(runWorkflowId(plan.key));
      // The run expected one recipient then; the full plan expects four.
      const resumed = await startRun(t.s.client, plan, {
        taskQueue: t.s.taskQueue,
        searchAttributes: false,
        batchSize: 100,
      });
      expect(resumed).toEqual({ workflowId: runWorkflowId(plan.key), resumed: true });
      const status = await run.query(runStatusQuery);
      expect([...status.roster].sort()).toEqual(plan.recipients.map((r) => r.code).sort());
      expect(status.added).toBe(plan.recipients.length);
      for (const code of ['T1', 'T2', 'T3'])
        await waitUntil(
          () => t.s.client.workflow.getHandle(unitWorkflowId(plan.key, code)).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
      // One dispatch per unit: the resumed start sent none twice.
      expect(mailsOf(plan.key, 'dispatch').filter((m) => m.to[0] === 't1@thads.example')).toHaveLength(1);
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
    });
  });

  it('a calendar override given at start moves a working-day deadline past the days it takes off', async () => {
    await t.s.run(async () => {
      // The server's clock, which earlier tests in this file skipped ahead of the wall clock.
      const now = await t.s.env!.currentTimeMs();
      const cal = new WorkingCalendar();
      // Every day of the next two weeks off, in whatever years they fall.
      const off = Array.from({ length: 14 }, (_, i) => localDateOf(now + (i + 1) * 86_400_000));
      const byYear: Record<string, { daysOff: string[]; workingSaturdays: string[] }> = {};
      for (const d of off) (byYear[d.slice(0, 4)] ??= { daysOff: [], workingSaturdays: [] }).daysOff.push(d);
      const override = byYear;
      const policy = { ...NO_FOLLOW_UP, acknowledge: { due: '1 ngày làm việc' } };
      const plan = testPlan({ policy, units: 1, now });
      await startRun(t.s.client, plan, {
        taskQueue: t.s.taskQueue,
        searchAttributes: false,
        batchSize: 100,
        calendarOverride: override as never,
      });
      const unit = t.s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      const st = await waitUntil(
        () => unit.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );
      const within = { within: { kind: 'working' as const, days: 1 } };
      const withOverride = resolveDeadline(within, st.dispatchedAt!, cal.withOverride(override as never));
      const without = resolveDeadline(within, st.dispatchedAt!, cal);
      expect(st.ackDeadline).toBe(withOverride);
      expect(st.ackDeadline).toBeGreaterThan(without);
      // The deadline falls after the last day off.
      expect(localDateOf(st.ackDeadline! - 1) > off[off.length - 1]!).toBe(true);
      const run = t.s.client.workflow.getHandle(runWorkflowId(plan.key));
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
    });
  });

  it('every validator refuses at once with its type and a Vietnamese reason, and the unit is unchanged', async () => {
    await t.s.run(async () => {
      const policy = { ...NO_FOLLOW_UP, reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: 'PT2H' }] };
      const plan = testPlan({ policy, units: 1 });
      const { unit, run } = await start(plan);
      const h = unit('T1');
      const link = { channel: 'link' as const, by: 'T1' };
      const long = (n: number) => 'x'.repeat(n + 1);
      const st0 = await h.query(unitStateQuery);
      const ackAt = st0.ackDeadline!;

      // Before acknowledging.
      expect(await refusalOf(h.executeUpdate(acceptReportUpdate, { args: [{ by: 'VP' }] }))).toEqual([
        'NoReportPending',
        'Không có báo cáo nào đang chờ xem xét.',
      ]);
      expect(
        await refusalOf(
          h.executeUpdate(returnReportUpdate, { args: [{ by: 'VP', reason: 'x', due: { date: '2099-01-01' } }] }),
        ),
      ).toEqual(['NoReportPending', 'Không có báo cáo nào đang chờ xem xét.']);
      expect(
        await refusalOf(
          h.executeUpdate(extendUpdate, { args: [{ by: 'VP', until: { instant: ackAt - 1000 }, reason: '' }] }),
        ),
      ).toEqual(['NotLater', 'Hạn mới phải sau hạn hiện tại.']);
      expect(
        await refusalOf(
          h.executeUpdate(requestExtensionUpdate, { args: [{ by: link, until: { instant: ackAt }, reason: 'x' }] }),
        ),
      ).toEqual(['NotLater', 'Hạn mới phải sau hạn hiện tại.']);
      expect(
        await refusalOf(
          h.executeUpdate(requestExtensionUpdate, {
            args: [{ by: link, until: { instant: ackAt + 1000 }, reason: long(LIMITS.reason) }],
          }),
        ),
      ).toEqual([
        'TooLong',
        expect.stringMatching(/^Lý do đề nghị gia hạn dài 1\.001 ký tự, vượt giới hạn 1\.000 ký tự\.$/),
      ]);
      expect(await refusalOf(h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: link, text: ' ' }] }))).toEqual([
        'EmptyText',
        'Nội dung vướng mắc không được để trống.',
      ]);
      expect(
        await refusalOf(
          h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: link, text: long(LIMITS.difficultyText) }] }),
        ),
      ).toEqual([
        'TooLong',
        expect.stringMatching(/^Nội dung vướng mắc dài 4\.001 ký tự, vượt giới hạn 4\.000 ký tự\.$/),
      ]);
      expect(
        await refusalOf(h.executeUpdate(answerDifficultyUpdate, { args: [{ by: 'VP', id: 7, text: 'x' }] })),
      ).toEqual(['UnknownDifficulty', 'Không có vướng mắc số 7.']);
      expect(await refusalOf(h.executeUpdate(correctAddressUpdate, { args: [{ by: 'VP', emails: [] }] }))).toEqual([
        'NoAddress',
        'Cần ít nhất một địa chỉ email.',
      ]);
      expect(
        await refusalOf(
          h.executeUpdate(correctAddressUpdate, { args: [{ by: 'VP', emails: ['không phải địa chỉ'] }] }),
        ),
      ).toEqual(['BadAddress', 'Địa chỉ email không hợp lệ: "không phải địa chỉ".']);
      const eleven = Array.from({ length: LIMITS.emails + 1 }, (_, i) => `a${i}@thads.example`);
      expect(await refusalOf(h.executeUpdate(correctAddressUpdate, { args: [{ by: 'VP', emails: eleven }] }))).toEqual([
        'TooMany',
        `Mỗi đơn vị tối đa ${LIMITS.emails} địa chỉ email.`,
      ]);

      // Open requests and difficulties are bounded.
      for (let i = 1; i <= LIMITS.openExtensionRequests; i++)
        await h.executeUpdate(requestExtensionUpdate, {
          args: [{ by: link, until: { instant: ackAt + i * 60_000 }, reason: 'x' }],
        });
      expect(
        await refusalOf(
          h.executeUpdate(requestExtensionUpdate, {
            args: [{ by: link, until: { instant: ackAt + 3_600_000 }, reason: 'x' }],
          }),
        ),
      ).toEqual(['TooMany', 'Đơn vị đã có 3 đề nghị gia hạn chờ quyết định; đề nghị chờ Văn phòng trả lời.']);
      for (let i = 1; i <= LIMITS.openDifficulties; i++)
        await h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: link, text: `Vướng mắc ${i}` }] });
      expect(await refusalOf(h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: link, text: 'Thêm' }] }))).toEqual([
        'TooMany',
        'Đơn vị đang có 5 vướng mắc chờ trả lời; đề nghị chờ Văn phòng trả lời trước khi gửi thêm.',
      ]);
      await h.executeUpdate(answerDifficultyUpdate, { args: [{ by: 'VP', id: 1, text: 'Trả lời.' }] });
      expect(
        await refusalOf(h.executeUpdate(answerDifficultyUpdate, { args: [{ by: 'VP', id: 1, text: 'Lại.' }] })),
      ).toEqual(['AlreadyAnswered', 'Vướng mắc số 1 đã được trả lời.']);
      expect(
        await refusalOf(h.executeUpdate(answerDifficultyUpdate, { args: [{ by: 'VP', id: 2, text: '' }] })),
      ).toEqual(['EmptyText', 'Nội dung trả lời không được để trống.']);

      // After acknowledging: the report's own refusals.
      await h.executeUpdate(acknowledgeUpdate, { args: [office] });
      expect(await refusalOf(h.executeUpdate(acknowledgeUpdate, { args: [office] }))).toEqual([
        'AlreadyAcknowledged',
        'Đơn vị đã xác nhận nhận văn bản trước đó.',
      ]);
      expect(
        await refusalOf(h.executeUpdate(submitReportUpdate, { args: [{ by: office, text: long(LIMITS.reportText) }] })),
      ).toEqual([
        'TooLong',
        expect.stringMatching(/^Nội dung báo cáo dài 50\.001 ký tự, vượt giới hạn 50\.000 ký tự\.$/),
      ]);
      await h.executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Báo cáo.' }] });
      expect(
        await refusalOf(h.executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Lần hai.' }] })),
      ).toEqual(['ReportPending', 'Báo cáo trước đang chờ Văn phòng xem xét.']);
      expect(
        await refusalOf(
          h.executeUpdate(returnReportUpdate, { args: [{ by: 'VP', reason: '', due: { date: '2099-01-01' } }] }),
        ),
      ).toEqual(['EmptyText', 'Lý do trả lại báo cáo không được để trống.']);
      expect(
        await refusalOf(
          h.executeUpdate(returnReportUpdate, { args: [{ by: 'VP', reason: 'x', due: { date: '2000-01-01' } }] }),
        ),
      ).toEqual(['NotLater', 'Hạn báo cáo lại phải ở tương lai.']);

      // Nothing refused left a trace.
      const st = await h.query(unitStateQuery);
      expect(st).toMatchObject({ stage: 'reported', ackDeadline: ackAt, extensions: [] });
      expect(st.unit.emails).toEqual(['t1@thads.example']);
      expect(st.reports).toHaveLength(1);
      expect(st.difficulties).toHaveLength(LIMITS.openDifficulties);
      expect(st.extensionRequests).toHaveLength(LIMITS.openExtensionRequests);

      // The run's own validators, then a recalled directive refuses the unit's acts.
      expect(await refusalOf(run.executeUpdate(recallUpdate, { args: [{ by: 'VP', reason: ' ' }] }))).toEqual([
        'EmptyText',
        'Cần nêu lý do thu hồi.',
      ]);
      expect(
        await refusalOf(run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: long(LIMITS.reason) }] })),
      ).toEqual(['TooLong', `Ghi chú dài quá ${LIMITS.reason} ký tự.`]);
      // The recall notice cannot leave while the mail server is down: the unit is surely still open below.
      await t.smtp.down();
      await run.executeUpdate(recallUpdate, { args: [{ by: 'VP', reason: 'Ban hành nhầm' }] });
      await waitUntil(
        () => h.query(unitStateQuery),
        (x) => x.stage === 'recalled',
      );
      expect(
        await refusalOf(h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: link, text: 'Sau thu hồi' }] })),
      ).toEqual(['DirectiveRecalled', 'Văn bản đã bị thu hồi; không thể thực hiện thao tác này.']);
      await t.smtp.up();
      await run.result();
    });
  });

  it('the other refusals: not yet delivered, nothing to extend, the lifetime caps, input that is not text, too many recipients, a recall reason too long', async () => {
    await t.s.run(async () => {
      const policy = { ...NO_FOLLOW_UP, reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: 'PT2H' }] };
      const plan = testPlan({ policy, units: 1 });
      // The mail server is down from the start: the unit waits in 'dispatching' for its first delivery.
      await t.smtp.down();
      await startRun(t.s.client, plan, { taskQueue: t.s.taskQueue, searchAttributes: false, batchSize: 100 });
      const h = t.s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      const run = t.s.client.workflow.getHandle<typeof disseminationRun>(runWorkflowId(plan.key));
      const link = { channel: 'link' as const, by: 'T1' };
      await waitUntil(
        () => h.query(unitStateQuery).catch(() => undefined),
        (x) => x?.stage === 'dispatching',
      );
      expect(await refusalOf(h.executeUpdate(acknowledgeUpdate, { args: [office] }))).toEqual([
        'NotDelivered',
        'Văn bản chưa được gửi tới đơn vị; chưa thể xác nhận đã nhận.',
      ]);
      expect(await refusalOf(h.executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Sớm.' }] }))).toEqual([
        'NotDelivered',
        'Văn bản chưa được gửi tới đơn vị.',
      ]);
      await t.smtp.up();
      await waitUntil(
        () => h.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );

      // Text that is not text, as a hand-made API call could send.
      expect(
        await refusalOf(
          h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: link, text: 42 as unknown as string }] }),
        ),
      ).toEqual(['BadInput', 'Nội dung vướng mắc: phải là văn bản.']);

      // Lifetime caps: answered difficulties and decided requests still count.
      for (let round = 0; round < LIMITS.difficulties / LIMITS.openDifficulties; round++) {
        for (let i = 1; i <= LIMITS.openDifficulties; i++) {
          const { id } = await h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: link, text: `Vướng mắc ${i}` }] });
          await h.executeUpdate(answerDifficultyUpdate, { args: [{ by: 'VP', id, text: 'Trả lời.' }] });
        }
      }
      expect(await refusalOf(h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: link, text: 'Thêm' }] }))).toEqual([
        'TooMany',
        `Đơn vị đã gửi ${LIMITS.difficulties} vướng mắc; đề nghị liên hệ trực tiếp Văn phòng.`,
      ]);
      for (let made = 0; made < LIMITS.extensionRequests; made++) {
        const { ackDeadline } = await h.query(unitStateQuery);
        await h.executeUpdate(requestExtensionUpdate, {
          args: [{ by: link, until: { instant: ackDeadline! + 60_000 }, reason: `Đề nghị ${made + 1}` }],
        });
        // The Office grants every request at once, so the open list never fills: only the lifetime cap can refuse.
        await h.executeUpdate(extendUpdate, {
          args: [{ by: 'VP', until: { instant: ackDeadline! + 60_000 }, reason: '' }],
        });
      }
      const { ackDeadline } = await h.query(unitStateQuery);
      expect(
        await refusalOf(
          h.executeUpdate(requestExtensionUpdate, {
            args: [{ by: link, until: { instant: ackDeadline! + 60_000 }, reason: 'Lần nữa' }],
          }),
        ),
      ).toEqual([
        'TooMany',
        `Đơn vị đã gửi ${LIMITS.extensionRequests} đề nghị gia hạn; đề nghị liên hệ trực tiếp Văn phòng.`,
      ]);

      // A report waiting for the Office's review has no deadline to extend.
      await h.executeUpdate(acknowledgeUpdate, { args: [office] });
      await h.executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Báo cáo.' }] });
      expect(
        await refusalOf(
          h.executeUpdate(extendUpdate, {
            args: [{ by: 'VP', until: { instant: ackDeadline! + 86_400_000 }, reason: '' }],
          }),
        ),
      ).toEqual(['NothingToExtend', 'Đơn vị không có hạn nào đang chờ để gia hạn.']);
      const st = await h.query(unitStateQuery);
      expect(st).toMatchObject({ stage: 'reported', extensionRequestsMade: LIMITS.extensionRequests });
      expect(st.difficulties).toHaveLength(LIMITS.difficulties);
      expect(st.extensions).toHaveLength(LIMITS.extensionRequests);

      // The run's own limits.
      const many = Array.from({ length: MAX_RECIPIENTS_PER_UPDATE + 1 }, (_, i) => ({
        ...plan.recipients[0]!,
        code: `N${i}`,
        name: `Đơn vị ${i}`,
      }));
      expect(await refusalOf(run.executeUpdate(addRecipientsUpdate, { args: [{ recipients: many }] }))).toEqual([
        'TooMany',
        `Mỗi lần thêm tối đa ${MAX_RECIPIENTS_PER_UPDATE} nơi nhận.`,
      ]);
      expect(
        await refusalOf(
          run.executeUpdate(recallUpdate, { args: [{ by: 'VP', reason: 'x'.repeat(LIMITS.reason + 1) }] }),
        ),
      ).toEqual(['TooLong', `Lý do thu hồi dài quá ${LIMITS.reason} ký tự.`]);
      expect((await run.query(runStatusQuery)).added).toBe(plan.recipients.length);
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
    });
  });

  it('several report obligations are awaited one after another, each with its own deadline, the next named on acceptance', async () => {
    await t.s.run(async () => {
      const reports = [
        { id: 'so-ket', title: 'Báo cáo sơ kết', due: 'PT2H' },
        { id: 'tong-ket', title: 'Báo cáo tổng kết', due: 'PT5H' },
      ];
      const plan = testPlan({ policy: { ...NO_FOLLOW_UP, reports }, units: 1 });
      const { unit, run } = await start(plan);
      const h = unit('T1');
      const dispatchedAt = (await h.query(unitStateQuery)).dispatchedAt!;
      await h.executeUpdate(acknowledgeUpdate, { args: [office] });
      const first = await h.query(unitStateQuery);
      expect(first).toMatchObject({ stage: 'acknowledged', reportIndex: 0 });
      expect(first.reportDeadline).toBe(dispatchedAt + 2 * 3_600_000);

      await h.executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Sơ kết.' }] });
      const accepted = await h.executeUpdate(acceptReportUpdate, { args: [{ by: 'VP' }] });
      expect(accepted).toMatchObject({ stage: 'acknowledged', reportIndex: 1 });
      expect(accepted.reportDeadline).toBe(dispatchedAt + 5 * 3_600_000);
      const [mail] = await waitUntil(
        () => mailsOf(plan.key, 'report-accepted'),
        (m) => m.length === 1,
      );
      expect(textOf(mail!.raw)).toContain('Báo cáo tiếp theo: Báo cáo tổng kết, thời hạn');

      await h.executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Tổng kết.' }] });
      expect(await h.executeUpdate(acceptReportUpdate, { args: [{ by: 'VP' }] })).toMatchObject({ stage: 'done' });
      const st = await h.query(unitStateQuery);
      expect(st.reports.map((r) => [r.obligation, r.verdict])).toEqual([
        ['so-ket', 'accepted'],
        ['tong-ket', 'accepted'],
      ]);
      expect(await h.result()).toMatchObject({ stage: 'done', reports: 2 });
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
    });
  });

  it('a directive that asks for no report refuses a report with NoReportDue', async () => {
    await t.s.run(async () => {
      const plan = testPlan({ policy: NO_FOLLOW_UP, units: 1 });
      const { unit, run } = await start(plan);
      const e = await unit('T1')
        .executeUpdate(submitReportUpdate, { args: [{ by: office, text: 'Báo cáo không ai yêu cầu.' }] })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((e as WorkflowUpdateFailedError).cause).toMatchObject({
        type: 'NoReportDue',
        message: 'Văn bản này không yêu cầu báo cáo.',
      });
      expect((await unit('T1').query(unitStateQuery)).reports).toEqual([]);
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: '' }] });
      await run.result();
    });
  });
});
