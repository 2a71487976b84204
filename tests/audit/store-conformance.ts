import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { digestHash, digestSigner, verifyDigests } from '../../src/audit/digest';
import { generateSigningKey, loadSigningKey, readKeyring } from '../../src/audit/keys';
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

/** A signing key of the test's own and its keyring. */
function testKey() {
  const dir = mkdtempSync(join(tmpdir(), 'chidao-keys-'));
  generateSigningKey(join(dir, 'k.pem'), join(dir, 'ring.json'));
  return { sign: digestSigner(() => loadSigningKey(join(dir, 'k.pem'))), keyring: readKeyring(join(dir, 'ring.json')) };
}

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

    it('signs the chain as it stands, once: a second call with nothing new writes no digest', async () => {
      const { store } = open();
      const { sign, keyring } = testKey();
      const runKey = `run-${Math.random()}`;
      expect(await store.appendDigest(runKey, sign)).toBeUndefined();
      for (let i = 0; i < 3; i++) await store.append(act(runKey, `k${i}`));
      const first = await store.appendDigest(runKey, sign);
      expect(await store.appendDigest(runKey, sign)).toBeUndefined();
      await store.append(act(runKey, 'k3'));
      const second = await store.appendDigest(runKey, sign);
      const list = await store.list(runKey);
      expect(first).toMatchObject({ runKey, seq: 1, records: 3, lastHash: list[2]!.hash, prevDigestHash: '' });
      expect(second).toMatchObject({ seq: 2, records: 4, lastHash: list[3]!.hash, prevDigestHash: digestHash(first!) });
      expect(await store.digests(runKey)).toEqual([first, second]);
      expect(verifyDigests(list, [first!, second!], keyring)).toEqual([]);
      await store.close();
    });

    it('digests taken while appends race keep one digest per chain length, each matching the chain', async () => {
      const { store } = open();
      const { sign, keyring } = testKey();
      const runKey = `run-${Math.random()}`;
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          i % 3 === 0 ? store.appendDigest(runKey, sign) : store.append(act(runKey, `r${i}`)),
        ),
      );
      await store.appendDigest(runKey, sign);
      const list = await store.list(runKey);
      const digests = await store.digests(runKey);
      expect(list).toHaveLength(20);
      expect(digests.at(-1)!.records).toBe(20);
      expect(new Set(digests.map((d) => d.records)).size).toBe(digests.length);
      expect(verifyDigests(list, digests, keyring)).toEqual([]);
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
