import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readExport, verifyBundle } from '../../src/audit/commands';
import { digestHash, digestSigner, type AuditDigest } from '../../src/audit/digest';
import { generateSigningKey, loadSigningKey, readKeyring } from '../../src/audit/keys';
import { hashRecord, type AuditRecord } from '../../src/audit/record';
import { unitWorkflowId } from '../../src/workflows/ids';
import { chidao } from '../helpers/cli';
import { rechain } from '../helpers/rechain';
import { signedRun, type SignedRun } from './signed-run';

/**
 * The tamper suite: one real run on the dev server, exported once with signed digests; then each row
 * tampers with a copy as an insider with write access to the audit store would (recomputing whatever
 * hashes they can), and `chidao audit verify` must name what was done and exit 1. New kinds are one row.
 */
let run: SignedRun;
let key: string;
let folder: string;
let keys: SignedRun['keys'];
let records: AuditRecord[];

beforeAll(async () => {
  run = await signedRun();
  ({ key, folder, keys, records } = run);
});
afterAll(async () => run?.stack.close());

// --- what an insider can do to a copy of the export ------------------------------------------------

interface Copy {
  dir: string;
  records: AuditRecord[];
  digests: AuditDigest[];
  manifest: Record<string, unknown>;
}

function tampered(tamper: (c: Copy) => void): string {
  const dir = mkdtempSync(join(inject('tmpDir'), 'tampered-'));
  cpSync(folder, dir, { recursive: true });
  const read = <T>(f: string) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  const c: Copy = {
    dir,
    records: read<AuditRecord>('audit.jsonl'),
    digests: read<AuditDigest>('digests.jsonl'),
    manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>,
  };
  tamper(c);
  const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r) + '\n').join('');
  writeFileSync(join(dir, 'audit.jsonl'), jsonl(c.records));
  writeFileSync(join(dir, 'digests.jsonl'), jsonl(c.digests));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(c.manifest, null, 2));
  return dir;
}

/** New digests over the same record counts, signed with `keyPath` at `at` (links recomputed). */
function resign(c: Copy, keyPath: string, at: (d: AuditDigest) => Date): void {
  const bySeq = new Map(c.records.map((r) => [r.seq, r]));
  const out: AuditDigest[] = [];
  for (const d of c.digests) {
    const sign = digestSigner(
      () => loadSigningKey(keyPath),
      () => at(d),
    );
    const prev = out.at(-1);
    out.push(
      sign({
        runKey: d.runKey,
        seq: d.seq,
        records: d.records,
        lastHash: bySeq.get(d.records)!.hash,
        prevDigestHash: prev ? digestHash(prev) : '',
      }),
    );
  }
  c.digests = out;
}

const find = (c: Copy, pred: (r: AuditRecord) => boolean) => {
  const r = c.records.find(pred);
  if (!r) throw new Error('no such record in the export');
  return r;
};
const ack = (r: AuditRecord) => r.kind === 'acknowledged';
/** How a finding names a record. */
const named = (r: AuditRecord) => `seq ${r.seq} \\(khóa ${r.key.replace(/[/#]/g, (x) => `\\${x}`)}\\)`;
const original = (pred: (r: AuditRecord) => boolean) => records.find(pred)!;

interface Row {
  name: string;
  tamper: (c: Copy) => void;
  /** The finding's kind and what its message must say. */
  kind: string;
  says: () => RegExp;
}

const ROWS: Row[] = [
  {
    name: 'who acknowledged, edited and the chain recomputed',
    tamper: (c) => {
      find(c, ack).actor!.by = 'Người khác';
      c.records = rechain(c.records);
    },
    kind: 'content-mismatch',
    says: () =>
      new RegExp(
        `${named(original(ack))}, workflow .*/unit/T1, sự kiện \\d+: người thực hiện "Người khác" khác lịch sử "Cục THADS tỉnh Thử 1"`,
      ),
  },
  {
    name: 'when a unit acknowledged, moved a day earlier',
    tamper: (c) => {
      const r = find(c, ack);
      r.at = new Date(Date.parse(r.at) - 86_400_000).toISOString();
      c.records = rechain(c.records);
    },
    kind: 'time-mismatch',
    says: () =>
      new RegExp(
        `${named(original(ack))}, workflow .*/unit/T1, sự kiện \\d+: thời điểm .* khác thời điểm trong lịch sử .*lệch 86400\\.0 giây`,
      ),
  },
  {
    name: 'the recipients of a message',
    tamper: (c) => {
      find(c, (r) => r.data.messageKind === 'dispatch' && r.unit === 'T2').data.to = ['ke-gian@example.org'];
      c.records = rechain(c.records);
    },
    kind: 'content-mismatch',
    says: () =>
      new RegExp(
        `${named(original((r) => r.data.messageKind === 'dispatch' && r.unit === 'T2'))}, workflow .*/unit/T2, sự kiện \\d+: người nhận \\["ke-gian@example.org"\\] khác lịch sử \\["t2@thads.example"\\]`,
      ),
  },
  {
    name: "the SHA-256 of a report's file",
    tamper: (c) => {
      find(c, (r) => r.kind === 'report-submitted').data.sha256 = 'cd'.repeat(32);
      c.records = rechain(c.records);
    },
    kind: 'content-mismatch',
    says: () =>
      new RegExp(
        `${named(original((r) => r.kind === 'report-submitted'))}.*mã SHA-256 của tệp báo cáo "(cd){32}" khác lịch sử "(ab){32}"`,
      ),
  },
  {
    name: 'the reason of a recall',
    tamper: (c) => {
      find(c, (r) => r.kind === 'recalled').data.reason = 'Theo yêu cầu của đơn vị';
      c.records = rechain(c.records);
    },
    kind: 'content-mismatch',
    says: () =>
      new RegExp(
        `${named(original((r) => r.kind === 'recalled'))}, workflow chidao/[^/]+, sự kiện \\d+: lý do "Theo yêu cầu của đơn vị" khác lịch sử "Ban hành nhầm"`,
      ),
  },
  {
    name: 'the new date of an extension',
    tamper: (c) => {
      const r = find(c, (x) => x.kind === 'extension-granted');
      r.data.until = (r.data.until as number) + 30 * 86_400_000;
      c.records = rechain(c.records);
    },
    kind: 'content-mismatch',
    says: () =>
      new RegExp(
        `${named(original((r) => r.kind === 'extension-granted'))}, workflow .*/unit/T2.*: hạn mới \\d+ khác lịch sử \\d+`,
      ),
  },
  {
    name: "a unit's history deleted with its records, the manifest rewritten to match",
    tamper: (c) => {
      const idx = JSON.parse(readFileSync(join(c.dir, 'histories', 'index.json'), 'utf8')) as Record<string, string>;
      const file = Object.keys(idx).find((f) => idx[f] === unitWorkflowId(key, 'T2'))!;
      rmSync(join(c.dir, 'histories', file));
      delete idx[file];
      writeFileSync(join(c.dir, 'histories', 'index.json'), JSON.stringify(idx));
      c.records = rechain(c.records.filter((r) => r.unit !== 'T2'));
      c.manifest.histories = readdirSync(join(c.dir, 'histories')).length - 1;
      c.manifest.records = c.records.length;
    },
    kind: 'missing-history',
    says: () =>
      new RegExp(
        `batch-0 sự kiện \\d+ khởi động workflow con ${unitWorkflowId(key, 'T2')}, nhưng lịch sử của nó không có`,
      ),
  },
  {
    name: 'the manifest disagreeing with the files',
    tamper: (c) => {
      c.records = rechain(c.records.filter((r) => r.unit !== 'T2'));
    },
    kind: 'manifest-mismatch',
    says: () =>
      new RegExp(
        `manifest.json ghi ${records.length} bản ghi kiểm toán, bản xuất có ${records.length - records.filter((r) => r.unit === 'T2').length}`,
      ),
  },
  {
    name: 'one record edited and re-hashed alone: that record is blamed, not the next',
    tamper: (c) => {
      const r = find(c, ack);
      r.data.stage = 'done';
      r.hash = hashRecord(r);
    },
    kind: 'changed',
    says: () =>
      new RegExp(
        `\\(seq ${original(ack).seq}, acknowledged, khóa ${original(ack).key}\\): đã bị sửa rồi tính lại mã băm`,
      ),
  },
  {
    // recordedAt is the store's own clock, in no history: only the signed digest can tell it was changed.
    name: 'records rewritten after a signed digest, the chain recomputed',
    tamper: (c) => {
      c.records[0]!.recordedAt = '2020-01-01T00:00:00.000Z';
      c.records = rechain(c.records);
    },
    kind: 'digest-chain-mismatch',
    says: () =>
      /chữ ký số thứ 1 .*: chuỗi bản ghi đến seq \d+ không còn khớp với mã băm đã ký: bản ghi seq 1–\d+ đã bị viết lại sau khi ký/,
  },
  {
    name: 'a forged digest: the rewritten chain written into the digests, signatures kept',
    tamper: (c) => {
      c.records[0]!.recordedAt = '2020-01-01T00:00:00.000Z';
      c.records = rechain(c.records);
      const bySeq = new Map(c.records.map((r) => [r.seq, r]));
      let prev: AuditDigest | undefined;
      c.digests = c.digests.map((d) => {
        const f = { ...d, lastHash: bySeq.get(d.records)!.hash, prevDigestHash: prev ? digestHash(prev) : '' };
        prev = f;
        return f;
      });
    },
    kind: 'digest-forged',
    says: () => /chữ ký số thứ 1 .*: chữ ký không hợp lệ/,
  },
  {
    name: 'digests signed again with a key of the insider’s own',
    tamper: (c) => {
      const dir = mkdtempSync(join(inject('tmpDir'), 'own-key-'));
      generateSigningKey(join(dir, 'k.pem'), join(dir, 'ring.json'));
      c.records[0]!.recordedAt = '2020-01-01T00:00:00.000Z';
      c.records = rechain(c.records);
      resign(c, join(dir, 'k.pem'), (d) => new Date(d.at));
    },
    kind: 'digest-unknown-key',
    says: () => /chữ ký số thứ 1 .*: ký bằng khóa không có trong tệp khóa công khai/,
  },
  {
    name: 'digests signed again with the rotated-out key, after its retirement',
    tamper: (c) => {
      c.records[0]!.recordedAt = '2020-01-01T00:00:00.000Z';
      c.records = rechain(c.records);
      resign(c, keys.stolen, () => new Date());
    },
    kind: 'digest-key-retired',
    says: () => /chữ ký số thứ 1 .*: ký bằng khóa ngoài thời hạn hiệu lực của nó/,
  },
  {
    name: 'every digest removed',
    tamper: (c) => {
      c.digests = [];
      c.manifest.digests = 0;
    },
    kind: 'no-digests',
    says: () => /không có chữ ký số nào cho \d+ bản ghi, dù đã đưa khóa công khai/,
  },
];

describe('chidao audit verify names every kind of tampering', () => {
  it('an untouched export passes: no finding at all, exit 0, every digest checked', async () => {
    const bundle = readExport(folder);
    expect(bundle.digests!.length).toBeGreaterThanOrEqual(3);
    // The run's close was signed: the last digest covers the last record.
    expect(bundle.digests!.at(-1)!.records).toBe(records.length);
    expect(verifyBundle(bundle, readKeyring(keys.keyring))).toEqual([]);
    const r = await chidao('audit', 'verify', folder, '--keyring', keys.keyring);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(
        `^Chuỗi ${records.length} bản ghi hợp lệ; khớp với \\d+ lịch sử workflow; ${bundle.digests!.length} chữ ký số hợp lệ\\.`,
      ),
    );
  });

  it.each(ROWS)('$name → $kind', async (row) => {
    const copy = tampered(row.tamper);
    const r = await chidao('audit', 'verify', copy, '--keyring', keys.keyring);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n').filter((l) => l.startsWith(`LỖI [${row.kind}] `));
    expect(lines.length, r.out).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(row.says());
    expect(r.out).toMatch(/\d+ lỗi: bản ghi kiểm toán KHÔNG đáng tin\./);
  });
});
