import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { FileAuditStore } from '../../src/audit/file-store';
import { exportRun, readExport, verifyBundle } from '../../src/audit/commands';
import { DocumentStore } from '../../src/documents/store';
import { Office, OfficeRefusal } from '../../src/office';
import { correctionNoticeWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { both, ofKind, ofRun, waitForMails, mails } from '../helpers/mailbox';
import { waitUntil } from '../helpers/wait';
import { replaysWithCurrentCode } from '../helpers/time-skipping';

const POLICY = {
  acknowledge: { due: '5 ngày làm việc' },
  reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: '20 ngày làm việc' }],
  reminders: [],
  escalation: [],
};
const CHANGES = 'Sửa thời hạn báo cáo tại mục 2: "trước ngày 15/12/2023" thay cho "trước ngày 05/12/2023".';
const office = { channel: 'office' as const, by: 'Văn thư (van-thu)' };

/** T1 acknowledged, T2 not yet, T3 done (acknowledged, reported, accepted): its lifecycle has ended. */
async function threeUnits(s: Stack, policy: Record<string, unknown> = POLICY) {
  const plan = testPlan({ policy, units: 3 });
  const o = new Office(s.client, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
  await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
  const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
  for (const code of ['T1', 'T2', 'T3'])
    await waitUntil(
      () => unit(code).query(unitStateQuery),
      (x) => x.stage === 'dispatched',
    );
  const key = plan.key;
  await o.acknowledge({ key, unit: 'T1', by: office });
  await o.acknowledge({ key, unit: 'T3', by: office });
  await o.report({ key, unit: 'T3', by: office, text: 'Đã triển khai.' });
  await o.accept({ key, unit: 'T3', by: 'Chuyên viên (cv)' });
  await waitUntil(
    () => unit('T3').describe(),
    (d) => d.status.name === 'COMPLETED',
  );
  // The info recipient (TCT, "để b/c") has had the original.
  await waitForMails(
    both(ofRun(key), ofKind('dispatch'), (m) => m.to[0]!.address === 'tct@thads.example'),
    1,
  );
  return { plan, key, o, unit };
}

describe('corrections and replacements (đính chính, thay thế)', () => {
  it('reaches every unit with what changed: followed units keep their stage and are asked to acknowledge again, a done unit is told, the audit trail shows each version', async () => {
    const s = await devServerStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
    try {
      await s.run(async () => {
        const { key, o, unit } = await threeUnits(s);
        const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n% đính chính\n'), randomBytes(1000)]);
        const document = new DocumentStore(s.config.CHIDAO_DATA_DIR).put('Đính chính 4432.pdf', pdf);

        // A refusal names its field and issues nothing.
        const empty = await o
          .correct({ key, by: 'Văn thư (van-thu)', kind: 'dinh-chinh', changes: '  ' })
          .catch((e: unknown) => e);
        expect(empty).toBeInstanceOf(OfficeRefusal);
        expect(empty).toMatchObject({ type: 'Missing', field: 'changes' });
        expect((await o.run(key)).corrections).toBeUndefined();

        const r = await o.correct({ key, by: 'Văn thư (van-thu)', kind: 'dinh-chinh', changes: CHANGES, document });
        expect(r).toMatchObject({ delivered: ['T1', 'T2'], told: ['T3'], refused: [] });
        expect(r.correction).toMatchObject({ version: 2, kind: 'dinh-chinh', changes: CHANGES, document });

        // The run keeps both documents' story: the version, who, what changed, the new file.
        expect((await o.run(key)).corrections).toEqual([r.correction]);
        // Followed units keep their stage; T1 must acknowledge version 2.
        const t1 = await unit('T1').query(unitStateQuery);
        expect(t1.stage).toBe('acknowledged');
        expect(t1.corrections).toEqual([{ ...r.correction }]);
        expect((await unit('T2').query(unitStateQuery)).stage).toBe('dispatched');

        // Four mails: T1, T2 and T3 (the done unit, by its notice), and the info recipient TCT.
        const sent = await waitForMails(both(ofRun(key), ofKind('correction')), 4);
        expect(sent.map((m) => m.to[0]!.address).sort()).toEqual([
          't1@thads.example',
          't2@thads.example',
          't3@thads.example',
          'tct@thads.example',
        ]);
        for (const m of sent) {
          expect(m.subject).toMatch(/^\[\d+\/TCTHADS-VP\] ĐÍNH CHÍNH - V\/v /);
          expect(m.text).toContain(CHANGES);
          expect(m.text).toContain('(phiên bản 2)');
          expect(m.attachments?.map((a) => a.filename)).toContain('Đính chính 4432.pdf');
        }
        const to = (a: string) => sent.find((m) => m.to[0]!.address === a)!;
        // Only followed units are asked to acknowledge, through their link.
        expect(to('t1@thads.example').text).toContain('Đề nghị đơn vị xác nhận đã nhận văn bản đính chính.');
        expect(to('t1@thads.example').text).toContain('/u/acknowledge?t=');
        expect(to('t3@thads.example').text).not.toContain('/u/acknowledge?t=');
        expect(to('tct@thads.example').text).not.toContain('/u/acknowledge?t=');

        // T1 acknowledges version 2; a second time is refused. T2's first acknowledgement covers both.
        await o.acknowledge({ key, unit: 'T1', by: office });
        await expect(o.acknowledge({ key, unit: 'T1', by: office })).rejects.toMatchObject({
          type: 'AlreadyAcknowledged',
        });
        await o.acknowledge({ key, unit: 'T2', by: office });
        expect((await unit('T1').query(unitStateQuery)).stage).toBe('acknowledged');

        // Sending the version again reaches nobody twice.
        const again = await o.resendCorrection(key, 2, 'Văn thư (van-thu)');
        expect(again).toMatchObject({ delivered: ['T1', 'T2'], told: ['T3'], refused: [] });
        await new Promise((ok) => setTimeout(ok, 1000));
        expect(await mails(both(ofRun(key), ofKind('correction')))).toHaveLength(4);

        // The audit trail: the run's version, each followed unit's copy, and who acknowledged which version.
        const records = await new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit')).list(key);
        const of = (kind: string) => records.filter((x) => x.kind === kind);
        expect(of('directive-corrected').map((x) => x.data)).toEqual([
          { version: 2, correctionKind: 'dinh-chinh', changes: CHANGES, document },
        ]);
        const byUnit = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));
        expect(
          of('correction-received')
            .map((x) => [x.unit, x.data.version, x.data.carried])
            .sort(byUnit),
        ).toEqual([
          ['T1', 2, false],
          ['T2', 2, false],
        ]);
        // Who acknowledged which version: T1 the original then version 2; T2 version 2 at once; T3 the original.
        const acks = of('acknowledged').map((x) => [x.unit, x.data.version ?? 1]);
        expect(acks.sort(byUnit)).toEqual([
          ['T1', 1],
          ['T1', 2],
          ['T2', 2],
          ['T3', 1],
        ]);
        expect(
          of('message-sent')
            .filter((x) => x.data.messageKind === 'correction')
            .map((x) => x.workflowId)
            .sort(),
        ).toContain(correctionNoticeWorkflowId(key, 'T3', 2));

        // Exported and verified: the notice's history is in the export, every act has its record.
        const folder = mkdtempSync(join(inject('tmpDir'), 'correction-export-'));
        const store = new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit'));
        await exportRun(s.client, store, key, folder);
        // Only the warning that this stack signs no digests (verify-tamper.test.ts covers signing).
        expect(verifyBundle(readExport(folder)).map((f) => f.kind)).toEqual(['no-digests']);
        // Run, batch, three lifecycles and the done unit's notice replay with the current code.
        await replaysWithCurrentCode(s.client, key, 6, 'a-correction-reaches-followed-units-a-done-unit-and-info');
      });
    } finally {
      await s.close();
    }
  });

  it('with correctionKeepsAcknowledgement a unit that had acknowledged is not asked again', async () => {
    const s = await devServerStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
    try {
      await s.run(async () => {
        const { key, o, unit } = await threeUnits(s, { ...POLICY, correctionKeepsAcknowledgement: true });
        const r = await o.correct({ key, by: 'Văn thư (van-thu)', kind: 'thay-the', changes: 'Thay thế toàn văn.' });
        expect(r.correction.version).toBe(2);
        const t1 = await unit('T1').query(unitStateQuery);
        expect(t1.corrections?.[0]).toMatchObject({ version: 2, carried: true, acknowledgedAt: r.correction.at });
        await expect(o.acknowledge({ key, unit: 'T1', by: office })).rejects.toMatchObject({
          type: 'AlreadyAcknowledged',
        });
        // T2 had not acknowledged: it still must.
        expect((await unit('T2').query(unitStateQuery)).corrections?.[0]?.carried).toBeUndefined();
        const sent = await waitForMails(both(ofRun(key), ofKind('correction')), 4);
        const t1Mail = sent.find((m) => m.to[0]!.address === 't1@thads.example')!;
        expect(t1Mail.subject).toMatch(/THAY THẾ - /);
        expect(t1Mail.text).not.toContain('/u/acknowledge?t=');
        expect(sent.find((m) => m.to[0]!.address === 't2@thads.example')!.text).toContain('/u/acknowledge?t=');
      });
    } finally {
      await s.close();
    }
  });
});
