import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startRun } from '../../src/client/start-run';
import { batchWorkflowId, runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { batchRowsQuery } from '../../src/workflows/unit-batch';
import { runStatusQuery } from '../../src/workflows/dissemination-run';
import { raiseDifficultyUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { chidao } from '../helpers/cli';
import { staffAccount } from '../helpers/accounts';
import { FileAuditStore } from '../../src/audit/file-store';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan, uniqueNumber } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';
import { localDateOf } from '../../src/domain/calendar';
import { vnDateTime } from '../../src/domain/vn-format';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';

/**
 * Each Office command through the CLI's own entry point (as bin/chidao.mjs runs it) against the dev server:
 * what it prints, its exit code, and what it did to the workflows. Commands already driven from printed
 * messages (tests/e2e/printed-commands.test.ts) and after a recall (tests/e2e/office-cli.test.ts) are not
 * repeated here.
 */
let s: Stack;
const saved = { ...process.env };
let dir: string;
beforeAll(async () => {
  s = await devServerStack();
  process.env.TEMPORAL_ADDRESS = inject('temporalAddress');
  process.env.CHIDAO_TASK_QUEUE = s.taskQueue;
  process.env.CHIDAO_DATA_DIR = s.config.CHIDAO_DATA_DIR;
  // Acts are done as an account: one with every role by default, and two with one role each.
  process.env.CHIDAO_USER = (await staffAccount(s.config.CHIDAO_DATA_DIR)).login;
  await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'vanthu', name: 'Lê Thị Văn Thư', roles: ['van-thu'] });
  await staffAccount(s.config.CHIDAO_DATA_DIR, { login: 'chanhvp', name: 'Chánh Văn phòng', roles: ['chuyen-vien'] });
  dir = mkdtempSync(join(inject('tmpDir'), 'cli-'));
});
afterAll(async () => {
  process.env = saved;
  await s?.close();
});

const REPORT = { id: 'ket-qua', title: 'Báo cáo kết quả', due: '20 ngày' };
const POLICY = { acknowledge: { due: '10 ngày' }, reports: [REPORT], reminders: [], escalation: [] };

/** A run of `units` units, each dispatched, started through the client (the CLI's start has its own test). */
async function started(units = 1) {
  const plan = testPlan({ policy: POLICY, units });
  await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
  const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
  for (let i = 1; i <= units; i++)
    await waitUntil(
      () => unit(`T${i}`).query(unitStateQuery),
      (x) => x.stage === 'dispatched',
    );
  // Status reads the rows the lifecycles signal to their batch, a moment after their own state changes.
  await waitUntil(
    () => s.client.workflow.getHandle(batchWorkflowId(plan.key, 0)).query(batchRowsQuery),
    (rows) => rows.length === units && rows.every((r) => r.stage === 'dispatched'),
  );
  return { plan, key: plan.key, unit, run: s.client.workflow.getHandle(runWorkflowId(plan.key)) };
}

/** A directive file and a registry file of two units, as an Office writes them. */
function files(number: number) {
  const registry = join(dir, `units-${number}.yaml`);
  writeFileSync(
    registry,
    `id: test
name: Danh mục thử
effective: "2023-01-01"
groups: [{ code: tinh, name: Các tỉnh }]
units:
  - { code: VP, name: Văn phòng Tổng cục, emails: [vp@thads.example] }
  - { code: T1, name: Cục THADS tỉnh Thử 1, emails: [t1@thads.example], groups: [tinh] }
  - { code: T2, name: Cục THADS tỉnh Thử 2, emails: [t2@thads.example], groups: [tinh] }
`,
  );
  const directive = join(dir, `${number}.yaml`);
  writeFileSync(
    directive,
    `number: ${number}
symbol: TCTHADS-VP
issuer: { name: Tổng cục Thi hành án dân sự, code: TCTHADS }
office: VP
place: Hà Nội
date: "2023-11-22"
subject: V/v thử lệnh start
tasks: [{ no: 1, text: Triển khai thực hiện. }]
signer: { title: Tổng Cục trưởng, name: Nguyễn Văn A }
contact: { unit: Văn phòng Tổng cục }
recipients: [{ group: tinh, purpose: Như trên }]
policy:
  acknowledge: { due: "2099-12-31" }
  reports: [{ id: ket-qua, title: Báo cáo kết quả, due: "2099-12-31T17:00:00+07:00" }]
  reminders: []
  escalation: [{ after: "1 ngày làm việc", notify: office }]
`,
  );
  return { directive, registry, key: `2023-${number}-TCTHADS-VP` };
}

describe('chidao start', () => {
  it('start --dry-run prints the plan (recipients, deadlines, escalation) and starts nothing', async () => {
    const f = files(uniqueNumber());
    const r = await chidao('start', f.directive, '--registry', f.registry, '--dry-run');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^Kế hoạch gửi \d+\/TCTHADS-VP — V\/v thử lệnh start$/);
    expect(lines[1]).toBe('Văn phòng: Văn phòng Tổng cục <vp@thads.example>');
    expect(r.out).toMatch(/Xác nhận đã nhận\s+│?\s*hết Thứ Năm, 31\/12\/2099/);
    expect(r.out).toMatch(/Báo cáo kết quả\s+│?\s*17:00 Thứ Năm, 31\/12\/2099/);
    expect(r.out).toMatch(/T1\s+│?\s*Cục THADS tỉnh Thử 1.*t1@thads\.example/);
    expect(r.out).toMatch(/T2\s+│?\s*Cục THADS tỉnh Thử 2.*t2@thads\.example/);
    await expect(s.client.workflow.getHandle(runWorkflowId(f.key)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });

  it('start begins the run and dispatches every unit; starting it again is refused with exit 1', async () => {
    const f = files(uniqueNumber());
    const r = await s.run(() => chidao('start', f.directive, '--registry', f.registry));
    expect(r).toEqual({
      code: 0,
      out: `Đã bắt đầu đợt gửi ${f.key.split('-')[1]}/TCTHADS-VP tới 2 nơi nhận (workflow ${runWorkflowId(f.key)}).\n`,
    });
    await s.run(async () => {
      for (const code of ['T1', 'T2'])
        await waitUntil(
          () => s.client.workflow.getHandle(unitWorkflowId(f.key, code)).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
      const status = await s.client.workflow.getHandle(runWorkflowId(f.key)).query(runStatusQuery);
      expect(status).toMatchObject({ key: f.key, expected: 2, added: 2 });
      const again = await chidao('start', f.directive, '--registry', f.registry);
      expect(again.code).toBe(1);
      expect(again.out).toMatch(/^Từ chối: /);
    });
  });
});

describe('chidao status and the acts on a unit', () => {
  it('status --json gives the run and one row per unit with its stage and deadline', async () => {
    await s.run(async () => {
      const { key, unit } = await started(2);
      const r = await chidao('status', key, '--json');
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out) as {
        status: { key: string; expected: number; added: number };
        rows: { code: string; stage: string; overdue: boolean }[];
      };
      expect(json).not.toHaveProperty('degraded');
      // Two units implement; the third recipient (TCT, "để b/c") is informed.
      expect(json.status).toMatchObject({ key, expected: 3, added: 3 });
      expect(json.rows.map((x) => [x.code, x.stage, x.overdue])).toEqual([
        ['T1', 'dispatched', false],
        ['T2', 'dispatched', false],
      ]);
      const st = await unit('T1').query(unitStateQuery);
      expect(JSON.stringify(json.rows[0])).toContain(String(st.ackDeadline));
    });
  });

  it('ack records the acknowledgement; a second ack is refused (exit 1)', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const r = await chidao('ack', key, 'T1', '--as', 'vanthu');
      expect(r).toEqual({ code: 0, out: `Đã ghi nhận: ack T1 (${key}).\n` });
      const st = await unit('T1').query(unitStateQuery);
      expect(st.stage).toBe('acknowledged');
      expect(st.acknowledgedAt).toBeGreaterThan(0);
      const again = await chidao('ack', key, 'T1');
      expect(again.code).toBe(1);
      expect(again.out).toMatch(/^Từ chối: /);
      expect((await unit('T1').query(unitStateQuery)).acknowledgedAt).toBe(st.acknowledgedAt);
    });
  });

  it('an act is done as an account holding its role; without one, or with the wrong role, nothing is done', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const user = process.env.CHIDAO_USER;
      try {
        delete process.env.CHIDAO_USER;
        expect(await chidao('ack', key, 'T1')).toEqual({
          code: 1,
          out: 'Từ chối: Cần cho biết ai thao tác: thêm --as <tên đăng nhập> hoặc đặt CHIDAO_USER (tạo tài khoản: chidao user add).',
        });
        expect(await chidao('extend', key, 'T1', '--until', '2099-12-15', '--as', 'vanthu')).toEqual({
          code: 1,
          out: 'Từ chối: Tài khoản không có quyền duyệt báo cáo, trả lời vướng mắc, gia hạn; việc này cần vai trò Chuyên viên theo dõi.',
        });
        expect((await chidao('recall', key, '--reason', 'Thử', '--as', 'khong-co')).out).toBe(
          'Từ chối: Không có tài khoản khong-co.',
        );
        expect(await chidao('ack', key, 'T1', '--by', 'Ai đó')).toMatchObject({
          code: 2,
          out: expect.stringContaining('--by không còn dùng'),
        });
        expect((await unit('T1').query(unitStateQuery)).stage).toBe('dispatched');
        // The act names the account: its name and login, as the audit trail keeps them.
        expect(await chidao('ack', key, 'T1', '--as', 'VanThu')).toMatchObject({ code: 0 });
        // The audit record is written by an activity after the update returns.
        const ack = await waitUntil(
          async () =>
            (await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(key)).find(
              (r) => r.kind === 'acknowledged',
            ),
          (r) => r !== undefined,
        );
        expect(ack!.actor).toEqual({
          channel: 'office',
          by: 'Lê Thị Văn Thư (vanthu)',
        });
      } finally {
        process.env.CHIDAO_USER = user;
      }
    });
  });

  it('report --file records the text, the file name and the SHA-256 of its bytes', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const file = join(dir, `bao-cao-${key}.pdf`);
      const bytes = Buffer.from(`%PDF-1.4\n${key}\n`);
      writeFileSync(file, bytes);
      const r = await chidao('report', key, 'T1', '--text', 'Đã triển khai.', '--file', file);
      expect(r).toEqual({ code: 0, out: `Đã ghi nhận: report T1 (${key}).\n` });
      const st = await unit('T1').query(unitStateQuery);
      expect(st.stage).toBe('reported');
      expect(st.reports).toHaveLength(1);
      expect(st.reports[0]).toMatchObject({
        obligation: 'ket-qua',
        text: 'Đã triển khai.',
        fileName: `bao-cao-${key}.pdf`,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      const noText = await chidao('report', key, 'T1');
      expect(noText).toEqual({ code: 2, out: 'Lỗi: thiếu --text <nội dung báo cáo>' });
    });
  });

  it('accept marks the report accepted and the unit done', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      expect((await chidao('report', key, 'T1', '--text', 'Xong.')).code).toBe(0);
      const r = await chidao('accept', key, 'T1');
      expect(r).toEqual({ code: 0, out: `Đã ghi nhận: accept T1 (${key}).\n` });
      const st = await unit('T1').query(unitStateQuery);
      expect(st.stage).toBe('done');
      expect(st.reports[0]!.verdict).toBe('accepted');
      await waitForMails(both(ofRun(key), ofKind('report-accepted')), 1).then((m) => expect(m).toHaveLength(1));
    });
  });

  it('return --due sends the report back with the reason and a new deadline; a --due that does not parse is exit 2', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      expect((await chidao('report', key, 'T1', '--text', 'Sơ sài.')).code).toBe(0);
      const bad = await chidao('return', key, 'T1', '--reason', 'Thiếu số liệu', '--due', 'ba ngày');
      expect(bad.code).toBe(2);
      expect(bad.out).toMatch(/^Lỗi: --due: /);
      expect((await unit('T1').query(unitStateQuery)).stage).toBe('reported');

      const r = await chidao('return', key, 'T1', '--reason', 'Thiếu số liệu', '--due', '2099-06-30');
      expect(r).toEqual({ code: 0, out: `Đã ghi nhận: return T1 (${key}).\n` });
      const st = await unit('T1').query(unitStateQuery);
      expect(st.stage).toBe('returned');
      expect(st.reports[0]).toMatchObject({ verdict: 'returned', verdictReason: 'Thiếu số liệu' });
      // 24:00 of 30/06/2099 in Hà Nội (+07:00).
      expect(st.reportDeadline).toBe(Date.parse('2099-07-01T00:00:00+07:00'));
    });
  });

  it('status --unit says why each deadline falls when it does: the rule, then the extension that moved it', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const first = await unit('T1').query(unitStateQuery);
      const from = localDateOf(first.dispatchedAt!).split('-').reverse().join('/');
      const r = await chidao('status', key, '--unit', 'T1');
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain(`T1 — Cục THADS tỉnh Thử 1`);
      expect(r.out).toContain(`Hạn xác nhận: ${vnDateTime(first.ackDeadline!)}`);
      expect(r.out).toMatch(
        new RegExp(
          `  Vì sao: 10 ngày kể từ ${from} \\(không tính ngày gửi\\).* → hết ${vnDateTime(first.ackDeadline!).slice(-10)}`,
        ),
      );

      await chidao('extend', key, 'T1', '--until', '2099-12-15', '--reason', 'Đang sáp nhập', '--as', 'chanhvp');
      const json = await chidao('status', key, '--unit', 'T1', '--json');
      const parsed = JSON.parse(json.out) as { why: { acknowledge: string } };
      expect(parsed.why.acknowledge).toMatch(
        /^Chánh Văn phòng \(chanhvp\) gia hạn ngày .* \(lý do: Đang sáp nhập\), từ .* → hết Thứ Ba, 15\/12\/2099$/,
      );
    });
  });

  it('extend --until to an earlier date than the deadline is refused (exit 1) and moves nothing', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const before = (await unit('T1').query(unitStateQuery)).ackDeadline!;
      const earlier = new Date(before - 5 * 86_400_000).toISOString().slice(0, 10);
      const r = await chidao('extend', key, 'T1', '--until', earlier);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^Từ chối: /);
      const st = await unit('T1').query(unitStateQuery);
      expect(st.ackDeadline).toBe(before);
      expect(st.extensions).toEqual([]);
    });
  });

  it('answer to a difficulty that does not exist is refused (exit 1); an answer to one that does is recorded', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      expect((await chidao('answer', key, 'T1', '1', '--text', 'Dùng mẫu 01.')).code).toBe(1);
      await unit('T1').executeUpdate(raiseDifficultyUpdate, {
        args: [{ by: { channel: 'link', by: 'T1' }, text: 'Chưa có mẫu.' }],
      });
      const r = await chidao('answer', key, 'T1', '1', '--text', 'Dùng mẫu 01.');
      expect(r).toEqual({ code: 0, out: `Đã ghi nhận: answer T1 (${key}).\n` });
      expect((await unit('T1').query(unitStateQuery)).difficulties[0]!.answer?.text).toBe('Dùng mẫu 01.');
      expect(await chidao('answer', key, 'T1', 'một', '--text', 'x')).toEqual({
        code: 2,
        out: 'Lỗi: thiếu <số vướng mắc> (1, 2, …)',
      });
    });
  });

  it('resend sends the dispatch again with nothing moved; a sixth resend is refused with exit 1', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const before = await unit('T1').query(unitStateQuery);
      for (let i = 1; i <= 5; i++)
        expect(await chidao('resend', key, 'T1')).toEqual({ code: 0, out: `Đã ghi nhận: resend T1 (${key}).\n` });
      const st = await unit('T1').query(unitStateQuery);
      expect(st).toMatchObject({ resends: 5, ackDeadline: before.ackDeadline });
      expect(await chidao('resend', key, 'T1')).toEqual({
        code: 1,
        out: 'Từ chối: Đã gửi lại 5 lần; hãy liên hệ đơn vị qua điện thoại.',
      });
    });
  });

  it('address replaces the list with several addresses; an address that is not one is refused and changes nothing', async () => {
    await s.run(async () => {
      const { key, unit } = await started();
      const bad = await chidao('address', key, 'T1', 'không-phải-email');
      expect(bad.code).toBe(2);
      expect((await unit('T1').query(unitStateQuery)).unit.emails).toEqual(['t1@thads.example']);
      const r = await chidao('address', key, 'T1', 'a@thads.example', 'b@thads.example');
      expect(r).toEqual({ code: 0, out: `Đã ghi nhận: address T1 (${key}).\n` });
      const st = await unit('T1').query(unitStateQuery);
      expect(st.unit.emails).toEqual(['a@thads.example', 'b@thads.example']);
      expect(st.linkGeneration).toBe(1);
    });
  });
});

describe('chidao recall and close', () => {
  it('recall stops every unit and tells each one', async () => {
    await s.run(async () => {
      const { key, unit, run } = await started(2);
      const r = await chidao('recall', key, '--reason', 'Ban hành nhầm');
      expect(r).toEqual({ code: 0, out: `Đã thu hồi ${key}; các đơn vị sẽ được thông báo.\n` });
      await run.result();
      for (const code of ['T1', 'T2']) expect((await unit(code).query(unitStateQuery)).stage).toBe('recalled');
      const recalls = await waitForMails(both(ofRun(key), ofKind('recall')), 2);
      expect(recalls.map((m) => m.to[0]!.address).sort()).toEqual(['t1@thads.example', 't2@thads.example']);
      expect(await chidao('recall', key)).toEqual({ code: 2, out: 'Lỗi: thiếu --reason <lý do thu hồi>' });
    });
  });

  it('close ends the run with its note: every unit closed, the summary sent to the Office', async () => {
    await s.run(async () => {
      const { key, unit, run } = await started(2);
      expect((await chidao('ack', key, 'T1')).code).toBe(0);
      const r = await chidao('close', key, '--note', 'Kết thúc theo kế hoạch');
      expect(r).toEqual({ code: 0, out: `Đã kết thúc ${key}; báo cáo tổng hợp sẽ được gửi.\n` });
      const summary = await run.result();
      expect(summary).toMatchObject({ outcome: 'closed', total: 2 });
      for (const code of ['T1', 'T2']) expect((await unit(code).query(unitStateQuery)).stage).toBe('closed');
      const [mail] = await waitForMails(both(ofRun(key), ofKind('summary')), 1);
      // To the Office, and to the recipient the directive was sent "để b/c".
      expect(mail!.to.map((t) => t.address).sort()).toEqual(['tct@thads.example', 'vp@thads.example']);
      expect(mail!.text).toContain('Ghi chú: Kết thúc theo kế hoạch');
      const again = await chidao('close', key);
      expect(again.code).toBe(1);
    });
  });
});

describe('chidao audit', () => {
  it('audit export writes the histories, the records and a manifest; audit replay replays them and prints the timeline', async () => {
    await s.run(async () => {
      const { key, run } = await started(1);
      expect((await chidao('ack', key, 'T1')).code).toBe(0);
      expect((await chidao('close', key)).code).toBe(0);
      await run.result();
      const folder = join(dir, `export-${key}`);
      const ex = await chidao('audit', 'export', key, folder);
      expect(ex.code).toBe(0);
      const m = /^Đã xuất (\d+) lịch sử workflow và (\d+) bản ghi kiểm toán của (\S+) vào (\S+)\.\n$/.exec(ex.out);
      expect(m, ex.out).not.toBeNull();
      expect(m![3]).toBe(key);
      // The run and its one unit (and the batch that started it).
      expect(Number(m![1])).toBeGreaterThanOrEqual(2);
      const records = readFileSync(join(folder, 'audit.jsonl'), 'utf8').trim().split('\n');
      expect(records).toHaveLength(Number(m![2]));
      const kinds = records.map((l) => (JSON.parse(l) as { kind: string }).kind);
      expect(kinds).toEqual(expect.arrayContaining(['run-started', 'acknowledged', 'closed']));
      expect(readdirSync(folder).some((f) => /manifest/.test(f))).toBe(true);

      const rp = await chidao('audit', 'replay', folder);
      expect(rp.code).toBe(0);
      expect(rp.out).toContain(`Đã chạy lại ${m![1]} lịch sử: ${m![1]} khớp, 0 không tất định.`);
      expect(rp.out).toMatch(/T1/);

      const vf = await chidao('audit', 'verify', folder);
      expect(vf.code).toBe(0);
      expect(vf.out).toContain(`Chuỗi ${m![2]} bản ghi hợp lệ`);
    });
  });
});

describe('exit codes', () => {
  it('2 for usage mistakes: no command, an unknown command or option, a key written as its reference', async () => {
    expect((await chidao()).code).toBe(2);
    expect(await chidao('gui')).toEqual({ code: 2, out: 'Lỗi: lệnh không có: "gui". Xem "chidao --help".' });
    expect((await chidao('status', '2023-1-X', '--khong-co')).code).toBe(2);
    expect(await chidao('ack', '4432/TCTHADS-VP', 'T1')).toMatchObject({ code: 2, out: /ghi rõ năm ban hành/ });
    expect(await chidao('ack', '2023-4432-TCTHADS-VP')).toEqual({ code: 2, out: 'Lỗi: thiếu <mã đơn vị>' });
    expect((await chidao('--help')).code).toBe(0);
  });

  it('1 for a run or unit that does not exist, and for an invalid directive file', async () => {
    const missing = await chidao('ack', `2023-${uniqueNumber()}-TCTHADS-VP`, 'T1');
    expect(missing.code).toBe(1);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'number: x\n');
    const f = files(uniqueNumber());
    const r = await chidao('start', bad, '--registry', f.registry, '--dry-run');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^Tệp không hợp lệ, chưa bắt đầu gì:\n/);
  });

  it('3 when the Temporal server cannot be reached', async () => {
    const address = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
    try {
      const r = await chidao('status', '2023-4432-TCTHADS-VP');
      expect(r.code).toBe(3);
      expect(r.out).toMatch(/^Lỗi: /);
    } finally {
      process.env.TEMPORAL_ADDRESS = address;
    }
  });
});
