import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, vi } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { FileAuditStore } from '../../src/audit/file-store';
import { exportRun } from '../../src/audit/commands';
import type { AuditRecord } from '../../src/audit/record';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { acknowledgeUpdate, extendUpdate, submitReportUpdate } from '../../src/workflows/unit-lifecycle';
import { recallUpdate } from '../../src/workflows/dissemination-run';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { chidao } from '../helpers/cli';

export interface SignedRun {
  stack: Stack;
  plan: ReturnType<typeof testPlan>;
  key: string;
  /** The export, made once; tests tamper with copies. */
  folder: string;
  records: AuditRecord[];
  /** The private key (rotated after the export), the keyring, and a copy of the key before rotation. */
  keys: { key: string; keyring: string; stolen: string };
}

/**
 * One real run on the dev server, its audit records signed: keys made with `chidao audit keygen`, two
 * units (T1 acknowledges through its link and reports a file; the Office extends T2's deadline), then a
 * recall. Exported once; then the key is rotated with `chidao audit rotate`, an insider having kept a copy.
 */
export async function signedRun(): Promise<SignedRun> {
  const dir = mkdtempSync(join(inject('tmpDir'), 'keys-'));
  const keys = { key: join(dir, 'signing.pem'), keyring: join(dir, 'keyring.json'), stolen: join(dir, 'stolen.pem') };
  const made = await chidao('audit', 'keygen', '--key', keys.key, '--keyring', keys.keyring);
  expect(made).toMatchObject({ code: 0, out: expect.stringMatching(/Đã tạo khóa ký [0-9a-f]{16}/) });
  copyFileSync(keys.key, keys.stolen);
  const stack = await devServerStack({
    CHIDAO_SEARCH_ATTRIBUTES: 'false',
    CHIDAO_AUDIT_SIGNING_KEY: keys.key,
    CHIDAO_AUDIT_DIGEST_EVERY: '4',
  });
  const plan = testPlan({
    units: 2,
    policy: {
      acknowledge: { due: '5 ngày làm việc' },
      reports: [{ id: 'ket-qua', title: 'Báo cáo kết quả triển khai', due: '20 ngày làm việc' }],
    },
  });
  const key = plan.key;
  await stack.run(async () => {
    await startRun(stack.client, plan, { taskQueue: stack.taskQueue, searchAttributes: false, batchSize: 100 });
    const unit = (code: string) => stack.client.workflow.getHandle(unitWorkflowId(key, code));
    for (const code of ['T1', 'T2'])
      await vi.waitFor(
        async () => expect(((await unit(code).query('unitState')) as { stage?: string }).stage).toBe('dispatched'),
        { timeout: 30_000, interval: 100 },
      );
    const viaLink = { channel: 'link' as const, by: 'Cục THADS tỉnh Thử 1', ip: '203.0.113.7', userAgent: 'thử' };
    await unit('T1').executeUpdate(acknowledgeUpdate, { args: [viaLink] });
    await unit('T1').executeUpdate(submitReportUpdate, {
      args: [{ by: viaLink, text: 'Đã quán triệt.', fileName: 'bao-cao.pdf', sha256: 'ab'.repeat(32) }],
    });
    await unit('T2').executeUpdate(extendUpdate, {
      args: [{ by: 'Chánh Văn phòng', until: { date: '2099-12-15' }, reason: 'Đơn vị đang sáp nhập' }],
    });
    const run = stack.client.workflow.getHandle(runWorkflowId(key));
    await run.executeUpdate(recallUpdate, { args: [{ by: 'Chánh Văn phòng', reason: 'Ban hành nhầm' }] });
    await run.result();
  });
  const store = new FileAuditStore(join(stack.config.CHIDAO_DATA_DIR, 'audit'));
  const folder = mkdtempSync(join(inject('tmpDir'), 'export-'));
  await exportRun(stack.client, store, key, folder);
  const records = await store.list(key);
  const rotated = await chidao('audit', 'rotate', '--key', keys.key, '--keyring', keys.keyring);
  expect(rotated.code).toBe(0);
  return { stack, plan, key, folder, records, keys };
}
