import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PgAuditStore } from '../../src/audit/pg-store';
import { verifyBundle } from '../../src/audit/commands';
import { fetchRunHistories } from '../../src/audit/histories';
import { startRun } from '../../src/client/start-run';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { closeUpdate } from '../../src/workflows/dissemination-run';
import { acknowledgeUpdate, unitStateQuery } from '../../src/workflows/unit-lifecycle';
import { devServerStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';
import { waitUntil } from '../helpers/wait';

/**
 * A worker configured for PostgreSQL (CHIDAO_AUDIT_STORE=postgres) writes a run's whole trail there, not to
 * files: the records land in the table, their chain holds, and each matches an event of the histories.
 */
let s: Stack;
let store: PgAuditStore;
beforeAll(async () => {
  s = await devServerStack({ CHIDAO_AUDIT_STORE: 'postgres', CHIDAO_AUDIT_PG_URL: inject('pgUrl') });
  store = PgAuditStore.fromUrl(inject('pgUrl'));
});
afterAll(async () => {
  await store?.close();
  await s?.close();
});

describe('the PostgreSQL audit store used by a worker', () => {
  it('a run on a worker set to postgres writes every act to PostgreSQL, in one verified chain, and no file', async () => {
    await s.run(async () => {
      const plan = testPlan({
        policy: { acknowledge: { due: 'PT1H' }, reports: [], reminders: [], escalation: [] },
        units: 2,
      });
      await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 10 });
      const unit = (code: string) => s.client.workflow.getHandle(unitWorkflowId(plan.key, code));
      for (const code of ['T1', 'T2'])
        await waitUntil(
          () => unit(code).query(unitStateQuery),
          (x) => x.stage === 'dispatched',
        );
      // The leader's copy goes out in the background: wait for all three dispatches before acting.
      await waitUntil(
        () => store.list(plan.key),
        (rs) => rs.filter((r) => r.kind === 'message-sent').length === 3,
      );
      await unit('T1').executeUpdate(acknowledgeUpdate, { args: [{ channel: 'office', by: 'VP' }] });
      const run = s.client.workflow.getHandle(runWorkflowId(plan.key));
      await run.executeUpdate(closeUpdate, { args: [{ by: 'VP', note: 'Kết thúc' }] });
      await run.result();

      const records = await store.list(plan.key);
      // Started; the recipients added; the dispatches to T1, T2 and the leader "để b/c"; the Office's
      // acknowledgement of T1; the close; the summary. Each once, in the order they happened.
      expect(records.map((r) => r.kind)).toEqual([
        'run-started',
        'recipients-added',
        'message-sent',
        'message-sent',
        'message-sent',
        'acknowledged',
        'closed',
        'message-sent',
      ]);
      expect(records.map((r) => r.seq)).toEqual(records.map((_r, i) => i + 1));

      const histories = await fetchRunHistories(s.client, plan.key);
      // This worker signs no digests (no key): that is the one thing verify says, as a warning.
      expect(verifyBundle({ runKey: plan.key, histories, records }).map((f) => [f.level, f.kind])).toEqual([
        ['warning', 'no-digests'],
      ]);

      // Nothing went to the file store.
      const dir = join(s.config.CHIDAO_DATA_DIR, 'audit');
      expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.includes(plan.key)) : []).toEqual([]);
    });
  });
});
