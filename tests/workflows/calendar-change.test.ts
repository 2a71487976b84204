import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { FileAuditStore } from '../../src/audit/file-store';
import { verifyBundle } from '../../src/audit/verify';
import { fetchRunHistories } from '../../src/audit/histories';
import { WorkingCalendar, localDateOf, endOfDay } from '../../src/domain/calendar';
import { VN_PUBLIC_SECTOR_CALENDAR } from '../../src/domain/holidays-vn';
import { startRun } from '../../src/client/start-run';
import { unitWorkflowId } from '../../src/workflows/ids';
import { acknowledgeUpdate, extendUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { vnDateTime } from '../../src/domain/vn-format';
import { staffAccount } from '../helpers/accounts';
import { chidao } from '../helpers/cli';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { both, mails, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { waitUntil } from '../helpers/wait';
import { replaysWithCurrentCode } from '../helpers/time-skipping';

/**
 * A calendar loaded while a run is under way (issue 18, item 2): a day off announced between a unit's
 * dispatch and its deadline moves exactly the deadlines the policy counted in working days, records the
 * change in each lifecycle's state and the audit trail, and tells the unit whose deadline moved. The
 * calendar reaches the workflows in an update, from `chidao calendar apply`; never from disk.
 */
let s: Stack;
const saved = { ...process.env };
beforeAll(async () => {
  s = await devServerStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
  process.env.TEMPORAL_ADDRESS = inject('temporalAddress');
  process.env.CHIDAO_DATA_DIR = s.config.CHIDAO_DATA_DIR;
  process.env.CHIDAO_USER = (
    await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'quantri', name: 'Quản trị viên', roles: ['quan-tri'] })
  ).login;
});
afterAll(async () => {
  process.env = saved;
  await s?.close();
});

const POLICY = {
  acknowledge: { due: '5 ngày làm việc' },
  reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: '20 ngày làm việc' }],
  reminders: ['1 ngày làm việc'],
  escalation: [{ after: '1 ngày làm việc', notify: 'head' }],
};

describe('a new calendar reaches running lifecycles', () => {
  it('a day off between dispatch and deadline moves that deadline by one working day; the unit is told; an extended one stays', async () => {
    await s.run(async () => {
      const plan = testPlan({ policy: POLICY, units: 3 });
      const key = plan.key;
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 10 });
      const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(key, code));
      const state = (code: string) => unit(code).query(unitStateQuery);
      for (const code of ['T1', 'T2', 'T3'])
        await waitUntil(
          () => state(code),
          (x) => x.stage === 'dispatched',
        );
      // T2's deadline is the Office's own (an extension); T3 acknowledged, so its report deadline is pending.
      await unit('T2').executeUpdate(extendUpdate, {
        args: [{ by: 'Chánh Văn phòng', until: { date: '2099-12-15' }, reason: 'Đang sáp nhập' }],
      });
      await unit('T3').executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
      const before = { T1: await state('T1'), T2: await state('T2'), T3: await state('T3') };

      // The second working day after T1's dispatch becomes a day off.
      const cal = new WorkingCalendar();
      const dispatched = localDateOf(before.T1.dispatchedAt!);
      const dayOff = cal.addWorkingDays(dispatched, 2);
      const year = dayOff.slice(0, 4);
      const base = VN_PUBLIC_SECTOR_CALENDAR[year] ?? { daysOff: [], workingSaturdays: [] };
      const file = join(mkdtempSync(join(inject('tmpDir'), 'cal-')), `lich-${year}.yaml`);
      writeFileSync(
        file,
        stringify({
          [year]: {
            daysOff: [...base.daysOff, dayOff],
            workingSaturdays: base.workingSaturdays,
            labels: { ...base.labels, [dayOff]: 'đột xuất theo thông báo' },
          },
        }),
      );
      const after = cal.withOverride({ [year]: { ...base, daysOff: [...base.daysOff, dayOff] } });
      const expectedAck = endOfDay(after.addWorkingDays(dispatched, 5));
      expect(expectedAck).toBeGreaterThan(before.T1.ackDeadline!);
      const expectedReport = endOfDay(after.addWorkingDays(localDateOf(before.T3.dispatchedAt!), 20));

      const r = await chidao('calendar', 'apply', file, key, '--as', 'quantri');
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain(`Đã đưa lịch năm ${year} tới 3 đơn vị đang được theo dõi.`);
      expect(r.out).toContain('Thời hạn thay đổi: 2 đơn vị (T1, T3), đã báo từng đơn vị qua thư.');

      const now = { T1: await state('T1'), T2: await state('T2'), T3: await state('T3') };
      expect(now.T1.ackDeadline).toBe(expectedAck);
      expect(now.T1.calendarChanges).toEqual([
        {
          at: expect.any(Number),
          source: `tệp lich-${year}.yaml`,
          moved: [{ target: 'acknowledge', from: before.T1.ackDeadline, until: expectedAck }],
        },
      ]);
      expect(now.T2.ackDeadline).toBe(before.T2.ackDeadline); // the Office's own date stays
      expect(now.T3.reportDeadline).toBe(expectedReport);
      expect(now.T3.reportDeadline).toBeGreaterThan(before.T3.reportDeadline!);

      // Exactly the units whose deadline moved are told, with both dates.
      const told = await waitForMails(both(ofRun(key), ofKind('deadline-moved')), 2);
      expect(told.map((m) => m.to[0]!.address).sort()).toEqual(['t1@thads.example', 't3@thads.example']);
      const t1 = told.find((m) => m.to[0]!.address === 't1@thads.example')!;
      expect(t1.subject).toMatch(/Thay đổi thời hạn - /);
      expect(t1.text).toContain(`chuyển từ ${vnDateTime(before.T1.ackDeadline!)} sang ${vnDateTime(expectedAck)}`);

      // The audit trail has the change for every unit it reached, naming who and from which file; and the
      // trail still verifies against the histories.
      const store = new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit'));
      const changes = await waitUntil(
        async () => (await store.list(key)).filter((x) => x.kind === 'calendar-changed'),
        (x) => x.length === 3,
      );
      const byUnit = Object.fromEntries(changes.map((x) => [x.unit, x]));
      expect(byUnit.T1!.data).toEqual({
        source: `tệp lich-${year}.yaml`,
        affected: true,
        moved: [{ target: 'acknowledge', from: before.T1.ackDeadline, until: expectedAck }],
      });
      expect(byUnit.T2!.data).toMatchObject({ moved: [] });
      expect(byUnit.T1!.actor).toEqual({ channel: 'office', by: 'Quản trị viên (quantri)' });
      const findings = verifyBundle({
        runKey: key,
        histories: await fetchRunHistories(s.client, key),
        records: await store.list(key),
      });
      expect(findings.filter((f) => f.level === 'error')).toEqual([]);
      // Lifecycles that took a new calendar replay with the current code (run, batch, three units).
      await replaysWithCurrentCode(s.client, key, 5, 'a-calendar-loaded-mid-run');
    });
  });

  it('a calendar for a year no pending date falls in changes no deadline and tells nobody', async () => {
    await s.run(async () => {
      const plan = testPlan({ policy: POLICY, units: 1 });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 10 });
      const unit = s.client.workflow.getHandle(unitWorkflowId(plan.key, 'T1'));
      const before = await waitUntil(
        () => unit.query(unitStateQuery),
        (x) => x.stage === 'dispatched',
      );
      const file = join(mkdtempSync(join(inject('tmpDir'), 'cal-')), 'lich-2031.yaml');
      writeFileSync(file, stringify({ '2031': { daysOff: ['2031-01-01'], workingSaturdays: [] } }));
      const r = await chidao('calendar', 'apply', file, plan.key);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('Thời hạn thay đổi: 0 đơn vị.');
      const after = await unit.query(unitStateQuery);
      expect(after.ackDeadline).toBe(before.ackDeadline);
      expect(after.calendarChanges).toBeUndefined();
      expect(after.calendarOverride).toEqual({ '2031': { daysOff: ['2031-01-01'], workingSaturdays: [] } });
      // The update answers after its mail was accepted, so a mail would be in the box already.
      expect(await mails(both(ofRun(plan.key), ofKind('deadline-moved')))).toEqual([]);
    });
  });

  it('a calendar file with a bad date is refused before any unit is touched', async () => {
    const file = join(mkdtempSync(join(inject('tmpDir'), 'cal-')), 'hong.yaml');
    writeFileSync(file, '"2027":\n  daysOff: ["2027-02-30"]\n');
    const r = await chidao('calendar', 'apply', file);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:2`);
    expect(r.out).toContain('ngày phải có dạng YYYY-MM-DD và có thật');
  });
});
