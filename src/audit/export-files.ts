import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import type { AuditDigest } from './digest';
import type { AuditRecord } from './record';
import type { AuditBundle, Manifest } from './verify';

/**
 * An export as files, by path relative to its folder, with no disk in between: `chidao audit export`
 * writes them to a folder, the auditor's page zips them, and `verify` reads either back the same way.
 */
export type ExportFiles = Map<string, string>;

/** A workflow's history with its id (a child's history does not name its own id). */
export interface NamedHistory {
  workflowId: string;
  history: History;
}

const INDEX = 'index.json';
const runIdOf = (h: History) => h.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? '';
const fileName = (workflowId: string) => `${workflowId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;

/**
 * One JSON file per history, and an index from file name to workflow id: ids hold `/`, and a history
 * of a child workflow does not name its own id. Earlier runs of a workflow (continue-as-new) go beside
 * the latest, named by their run id.
 */
export function historyFiles(histories: NamedHistory[]): ExportFiles {
  const out: ExportFiles = new Map();
  const index: Record<string, string> = {};
  for (const h of histories) {
    let f = fileName(h.workflowId);
    if (index[f]) f = f.replace(/\.json$/, `~${runIdOf(h.history)}.json`);
    index[f] = h.workflowId;
    out.set(f, historyToJSON(h.history));
  }
  out.set(INDEX, JSON.stringify(index, null, 2) + '\n');
  return out;
}

/** Histories from historyFiles (or from `temporal workflow show --output json`, named by file). */
export function historiesFromFiles(files: ExportFiles, where = ''): NamedHistory[] {
  const index = files.has(INDEX) ? (JSON.parse(files.get(INDEX)!) as Record<string, string>) : {};
  return [...files.keys()]
    .filter((f) => f.endsWith('.json') && f !== INDEX && !f.startsWith('audit'))
    .sort()
    .map((f) => {
      let json: unknown;
      try {
        json = JSON.parse(files.get(f)!);
      } catch {
        throw new Error(`${where}${f}: không phải JSON`);
      }
      return { workflowId: index[f] ?? f.replace(/\.json$/, ''), history: historyFromJSON(json) };
    });
}

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');

function fromJsonl<T>(text: string | undefined, where: string): T[] {
  return (text ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw new Error(`${where}:${i + 1}: dòng không phải JSON`);
      }
    });
}

/** Everything of a run an auditor takes away: histories, records, digests and a manifest that counts them. */
export function exportFiles(
  b: { runKey: string; histories: NamedHistory[]; records: AuditRecord[]; digests: AuditDigest[] },
  exportedAt: Date,
): { files: ExportFiles; manifest: Manifest } {
  const manifest: Manifest = {
    runKey: b.runKey,
    exportedAt: exportedAt.toISOString(),
    histories: b.histories.length,
    records: b.records.length,
    digests: b.digests.length,
  };
  const files: ExportFiles = new Map([
    ['manifest.json', JSON.stringify(manifest, null, 2) + '\n'],
    ['audit.jsonl', jsonl(b.records)],
    ['digests.jsonl', jsonl(b.digests)],
  ]);
  for (const [f, text] of historyFiles(b.histories)) files.set(`histories/${f}`, text);
  return { files, manifest };
}

/** The bundle an export's files hold; `where` names the folder or zip in error messages. */
export function bundleFromFiles(files: ExportFiles, where: string): AuditBundle {
  const text = files.get('manifest.json');
  if (text === undefined) throw new Error(`${where}: không phải bản xuất kiểm toán (thiếu manifest.json)`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch {
    throw new Error(`${where}/manifest.json: không phải JSON`);
  }
  const histories = new Map(
    [...files].filter(([p]) => p.startsWith('histories/')).map(([p, t]) => [p.slice('histories/'.length), t]),
  );
  return {
    runKey: manifest.runKey,
    histories: historiesFromFiles(histories, `${where}/histories/`),
    records: fromJsonl<AuditRecord>(files.get('audit.jsonl'), `${where}/audit.jsonl`),
    digests: fromJsonl<AuditDigest>(files.get('digests.jsonl'), `${where}/digests.jsonl`),
    manifest,
  };
}
