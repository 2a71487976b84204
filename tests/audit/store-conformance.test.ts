import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { FileAuditStore } from '../../src/audit/file-store';
import { PgAuditStore } from '../../src/audit/pg-store';
import { verifyChain, type AuditAct } from '../../src/audit/record';
import type { AuditStore } from '../../src/audit/store';

/** One suite, run against both stores: the embedded JSONL file and a real PostgreSQL server. */
const run = promisify(execFile);
const stores: [string, () => { store: AuditStore; where: string }][] = [
  ['file', () => {
    const where = mkdtempSync(join(inject('tmpDir'), 'audit-'));
    return { store: new FileAuditStore(where), where };
  }],
  ['postgres', () => ({ store: PgAuditStore.fromUrl(inject('pgUrl')), where: inject('pgUrl') })],
];

let n = 0;
const act = (runKey: string, key: string, extra: Partial<AuditAct> = {}): AuditAct => ({
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

describe.each(stores)('audit store: %s', (_name, open) => {
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
    const keys = [...Array.from({ length: 80 }, (_, i) => `c${i}`), ...Array.from({ length: 20 }, (_, i) => `c${i * 4}`)];
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
    const kind = _name;
    await Promise.all(
      ['1', '2', '3', '4'].map((w) => run(process.execPath, ['--import', 'tsx', 'tests/helpers/audit-writer.ts', kind, where, runKey, w, '40'])),
    );
    const list = await store.list(runKey);
    expect(list).toHaveLength(160);
    expect(list.map((r) => r.seq)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    expect(new Set(list.map((r) => r.key)).size).toBe(160);
    expect(verifyChain(list)).toEqual([]);
    await store.close();
  });
});

describe('PostgreSQL store is append-only', () => {
  it('refuses to change or delete a record', async () => {
    const store = PgAuditStore.fromUrl(inject('pgUrl'));
    const runKey = `run-${Math.random()}`;
    await store.append(act(runKey, 'x'));
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: inject('pgUrl') });
    await c.connect();
    await expect(c.query("UPDATE chidao_audit SET hash = 'x' WHERE run_key = $1", [runKey])).rejects.toThrow(/append-only/);
    await expect(c.query('DELETE FROM chidao_audit WHERE run_key = $1', [runKey])).rejects.toThrow(/append-only/);
    await c.end();
    await store.close();
  });
});
