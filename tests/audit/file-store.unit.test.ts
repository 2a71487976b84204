import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileAuditStore } from '../../src/audit/file-store';
import { act, describeAuditStore } from './store-conformance';

/** The embedded store needs only a folder: it runs with the unit tests, without any server. */
describeAuditStore('file', () => {
  const where = mkdtempSync(join(tmpdir(), 'chidao-audit-'));
  return { store: new FileAuditStore(where), where };
});

describe('the file store lock', () => {
  it('a lock left by a writer that died is taken over once stale, and the chain goes on', async () => {
    const store = new FileAuditStore(mkdtempSync(join(tmpdir(), 'chidao-audit-')), 2_000);
    const runKey = `run-${Math.random()}`;
    await store.append(act(runKey, 'before'));
    // What a killed writer leaves behind: the lock, no longer refreshed (a minute old).
    const lock = store.file(runKey) + '.lock';
    mkdirSync(lock);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lock, aMinuteAgo, aMinuteAgo);
    const after = await store.append(act(runKey, 'after'));
    expect(after.seq).toBe(2);
    expect((await store.list(runKey)).map((r) => r.key)).toEqual(['before', 'after']);
  }, 10_000);

  it('a lock held by a live writer makes the next writer wait, not write beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chidao-audit-'));
    const store = new FileAuditStore(dir);
    const runKey = `run-${Math.random()}`;
    const lock = store.file(runKey) + '.lock';
    mkdirSync(lock);
    let done = false;
    const pending = store.append(act(runKey, 'waits')).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    expect(await store.list(runKey)).toEqual([]);
    rmSync(lock, { recursive: true });
    expect((await pending).seq).toBe(1);
  });
});
