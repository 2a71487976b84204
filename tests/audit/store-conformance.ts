import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifyChain, type AuditAct } from '../../src/audit/record';
import type { AuditStore } from '../../src/audit/store';

const run = promisify(execFile);

let n = 0;
export const act = (runKey: string, key: string, extra: Partial<AuditAct> = {}): AuditAct => ({
  key,
  runKey,
  kind: 'message-sent',
  at: new Date().toISOString(),
  unit: 'T1',
  data: { messageId: `<${key}@x>`, to: ['t1@thads.example'], note: 'Văn bản số 4432/TCTHADS-VP' },
  workflowId: 'wf',
  runId: 'run',
  eventId: ++n,
  ...extra,
});

/**
 * One suite, run against every store (the embedded JSONL file, a real PostgreSQL server): what the
 * activities rely on whichever store the Office configured. `name` is also what audit-writer.ts opens.
 */
export function describeAuditStore(name: 'file' | 'postgres', open: () => { store: AuditStore; where: string }): void {
  describe(`audit store: ${name}`, () => {
    it('appends a hash-chained sequence and lists it back in order', async () => {
      const { store } = open();
      const runKey = `run-${Math.random()}`;
      for (let i = 0; i < 5; i++) await store.append(act(runKey, `k${i}`));
      const list = await store.list(runKey);
      expect(list.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(list[0]!.prevHash).toBe('');
      expect(list[3]!.prevHash).toBe(list[2]!.hash);
      expect(list[2]!.data).toMatchObject({ note: 'Văn bản số 4432/TCTHADS-VP' });
      expect(verifyChain(list)).toEqual([]);
      await store.close();
    });

    it('writes an act once however often it is appended (a retried activity)', async () => {
      const { store } = open();
      const runKey = `run-${Math.random()}`;
      const a = await store.append(act(runKey, 'same'));
      const b = await store.append(act(runKey, 'same', { eventId: 999 }));
      expect(b).toEqual(a);
      expect(await store.list(runKey)).toHaveLength(1);
      await store.close();
    });

    it('keeps runs apart', async () => {
      const { store } = open();
      const r1 = `run-${Math.random()}`;
      const r2 = `run-${Math.random()}`;
      await store.append(act(r1, 'a'));
      await store.append(act(r2, 'a'));
      expect((await store.list(r2))[0]!.seq).toBe(1);
      expect(await store.list(`run-none-${Math.random()}`)).toEqual([]);
      await store.close();
    });

    it('a hundred concurrent appends, some repeated, each get their own record on one chain', async () => {
      const { store } = open();
      const runKey = `run-${Math.random()}`;
      // Keys 0..79, twenty of them appended twice at the same moment (a retry racing its first attempt).
      const keys = [
        ...Array.from({ length: 80 }, (_, i) => `c${i}`),
        ...Array.from({ length: 20 }, (_, i) => `c${i * 4}`),
      ];
      const out = await Promise.all(keys.map((k) => store.append(act(runKey, k))));
      out.forEach((r, i) => expect(r.key).toBe(keys[i]));
      expect(out[80]).toEqual(out[0]);
      const list = await store.list(runKey);
      expect(list).toHaveLength(80);
      expect(list.map((r) => r.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      expect(verifyChain(list)).toEqual([]);
      await store.close();
    });

    it('four writer processes at once keep one valid chain', async () => {
      const { store, where } = open();
      const runKey = `run-${Math.random()}`;
      const kind = name;
      await Promise.all(
        ['1', '2', '3', '4'].map((w) =>
          run(process.execPath, ['--import', 'tsx', 'tests/helpers/audit-writer.ts', kind, where, runKey, w, '40']),
        ),
      );
      const list = await store.list(runKey);
      expect(list).toHaveLength(160);
      expect(list.map((r) => r.seq)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
      expect(new Set(list.map((r) => r.key)).size).toBe(160);
      expect(verifyChain(list)).toEqual([]);
      await store.close();
    });
  });
}
