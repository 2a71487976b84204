import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import type { Client } from '@temporalio/client';
import type { ReplayWorkerOptions } from '@temporalio/worker';
import { fetchRunHistories, replayHistories, type ReplayOutcome } from './histories';
import { bundleFromFiles, exportFiles } from './export-files';
import type { AuditStore } from './store';
import type { AuditBundle } from './verify';

// Moved to ./timeline (the pages need it without the replayer); kept here for existing importers.
export { timeline, renderTimeline, type TimelineEntry } from './timeline';

export type { AuditBundle, Manifest } from './verify';

/** Histories, records and digests of a run, read live from Temporal and the audit store. */
export async function collectRun(client: Client, store: AuditStore, runKey: string): Promise<AuditBundle> {
  const histories = await fetchRunHistories(client, runKey);
  return { runKey, histories, records: await store.list(runKey), digests: await store.digests(runKey) };
}

export async function exportRun(
  client: Client,
  store: AuditStore,
  runKey: string,
  folder: string,
): Promise<{ histories: number; records: number; digests: number }> {
  const bundle = await collectRun(client, store, runKey);
  const { files, manifest } = exportFiles({ ...bundle, digests: bundle.digests ?? [] }, new Date());
  for (const [path, text] of files) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return { histories: manifest.histories!, records: manifest.records!, digests: manifest.digests! };
}

/** The export as one zip file, laid out as the folder `audit export` writes (the auditor's download). */
export function zipExport(bundle: AuditBundle, exportedAt: Date): Uint8Array {
  const { files } = exportFiles({ ...bundle, digests: bundle.digests ?? [] }, exportedAt);
  return zipSync(Object.fromEntries([...files].map(([p, t]) => [p, strToU8(t)])), { level: 6 });
}

/** Reads an export: the folder `audit export` wrote, or the zip the auditor's page gave. */
export function readExport(where: string): AuditBundle {
  if (where.endsWith('.zip') && statSync(where).isFile()) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(readFileSync(where));
    } catch (e) {
      throw new Error(`${where}: không đọc được tệp zip (${(e as Error).message})`, { cause: e });
    }
    // A zip made by hand may hold the folder itself: strip one common top folder.
    const names = Object.keys(entries).filter((n) => !n.endsWith('/'));
    const top = names.every((n) => n.includes('/')) ? names[0]!.split('/')[0] + '/' : '';
    const files = new Map(
      names.filter((n) => !top || n.startsWith(top)).map((n) => [n.slice(top.length), strFromU8(entries[n]!)]),
    );
    return bundleFromFiles(files, where);
  }
  if (!existsSync(join(where, 'manifest.json')))
    throw new Error(`${where}: không phải thư mục xuất kiểm toán (thiếu manifest.json)`);
  const files = new Map<string, string>();
  for (const f of ['manifest.json', 'audit.jsonl', 'digests.jsonl'])
    if (existsSync(join(where, f))) files.set(f, readFileSync(join(where, f), 'utf8'));
  const dir = join(where, 'histories');
  if (existsSync(dir))
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')))
      files.set(`histories/${f}`, readFileSync(join(dir, f), 'utf8'));
  return bundleFromFiles(files, where);
}

export async function loadBundle(
  target: string,
  client: () => Promise<Client>,
  store: () => AuditStore,
): Promise<AuditBundle> {
  if (existsSync(target)) return readExport(target);
  const s = store();
  try {
    return await collectRun(await client(), s, target);
  } finally {
    await s.close();
  }
}

export async function replayBundle(
  bundle: AuditBundle,
  worker: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'>,
): Promise<ReplayOutcome[]> {
  return replayHistories(bundle.histories, worker);
}

// --- verify: see ./verify ------------------------------------------------------------------------------
export { verifyBundle, TIME_TOLERANCE_MS, type Finding, type FindingKind } from './verify';
