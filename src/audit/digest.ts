import { createHash } from 'node:crypto';
import { canonicalJson, type AuditRecord } from './record';
import { signBytes, verifyBytes, type Keyring, type SigningKey } from './keys';

/**
 * A signed statement of a run's chain at one moment, modelled on AWS CloudTrail's digest files: the
 * number of records, the last one's hash, the previous digest's hash, the time and the key. A record
 * changed after a digest was signed no longer leads to `lastHash`, however the chain is recomputed,
 * and nobody without the private key can sign a new digest.
 */
export interface AuditDigest {
  runKey: string;
  /** 1-based position among the run's digests. */
  seq: number;
  /** The chain's first `records` records are covered; the last of them has `lastHash`. */
  records: number;
  lastHash: string;
  /** SHA-256 of the previous digest's canonical JSON, signature included ("" for the first). */
  prevDigestHash: string;
  /** When it was signed, ISO 8601 UTC. */
  at: string;
  keyId: string;
  /** Ed25519 over the canonical JSON of every other field, base64. */
  signature: string;
}

export type UnsignedDigest = Omit<AuditDigest, 'signature' | 'keyId' | 'at'>;

export function digestHash(d: AuditDigest): string {
  return createHash('sha256').update(canonicalJson(d)).digest('hex');
}

const signedText = (d: Omit<AuditDigest, 'signature'>) => {
  const { signature: _s, ...rest } = d as AuditDigest;
  return canonicalJson(rest);
};

/** Signs what a store is about to append. */
export type DigestSigner = (d: UnsignedDigest) => AuditDigest;

/** Reads the key at each call (digests are rare), so a rotated key takes effect without a restart. */
export function digestSigner(key: () => SigningKey, clock: () => Date = () => new Date()): DigestSigner {
  return (d) => {
    const at = clock().toISOString();
    const k = key();
    const body = { ...d, at, keyId: k.keyId };
    return { ...body, signature: signBytes(k, signedText(body)) };
  };
}

/** The next digest of a chain whose last record is `last`, or nothing when `prev` already covers it. */
export function nextDigest(runKey: string, last: AuditRecord | undefined, prev: AuditDigest | undefined) {
  if (!last || (prev && prev.records >= last.seq)) return undefined;
  return {
    runKey,
    seq: (prev?.seq ?? 0) + 1,
    records: last.seq,
    lastHash: last.hash,
    prevDigestHash: prev ? digestHash(prev) : '',
  } satisfies UnsignedDigest;
}

export type DigestProblem =
  | 'no-digests'
  | 'no-keyring'
  | 'digest-forged'
  | 'digest-unknown-key'
  | 'digest-key-retired'
  | 'digest-chain-mismatch'
  | 'digest-broken-link'
  | 'digest-backdated'
  | 'digest-tail-uncovered';

export interface DigestFinding {
  problem: DigestProblem;
  level: 'error' | 'warning';
  message: string;
  /** The digest, by its position. */
  digest?: number;
  seq?: number;
  key?: string;
}

const hn = (iso: string) =>
  new Date(Date.parse(iso) + 7 * 3600_000).toISOString().replace('T', ' ').slice(0, 19) + ' (giờ Hà Nội)';

/**
 * Checks a run's digests against its records and the auditor's keyring: every signature, every key's
 * validity at signing time, the digests' own chain, and that the records at each digest still lead to
 * the hash it signed. Without a keyring only the structure is checked, and the auditor is told so.
 */
export function verifyDigests(
  records: AuditRecord[],
  digests: AuditDigest[],
  keyring: Keyring | undefined,
): DigestFinding[] {
  const out: DigestFinding[] = [];
  if (!digests.length) {
    if (records.length)
      out.push({
        problem: 'no-digests',
        // With a keyring the auditor expects signatures; their absence means they were removed or never made.
        level: keyring ? 'error' : 'warning',
        message: keyring
          ? `không có chữ ký số nào cho ${records.length} bản ghi, dù đã đưa khóa công khai: chữ ký bị xóa hoặc máy ghi chưa bật ký số`
          : `không có chữ ký số nào: chuỗi băm chỉ chống sửa đổi của người không viết lại được cả chuỗi`,
      });
    return out;
  }
  if (!keyring)
    out.push({
      problem: 'no-keyring',
      level: 'warning',
      message: `có ${digests.length} chữ ký số nhưng không có khóa công khai để kiểm (--keyring): chữ ký CHƯA được kiểm`,
    });
  const bySeq = new Map(records.map((r) => [r.seq, r]));
  let prev: AuditDigest | undefined;
  digests.forEach((d, i) => {
    const name = `chữ ký số thứ ${i + 1} (lập ${hn(d.at)}, bao ${d.records} bản ghi, khóa ${d.keyId})`;
    const push = (problem: DigestProblem, message: string, extra: Partial<DigestFinding> = {}) =>
      out.push({ problem, level: 'error', message: `${name}: ${message}`, digest: i + 1, ...extra });
    if (keyring) {
      const key = keyring.keys.find((k) => k.keyId === d.keyId);
      if (!key) push('digest-unknown-key', 'ký bằng khóa không có trong tệp khóa công khai');
      else if (!verifyBytes(key, signedText(d), d.signature))
        push('digest-forged', 'chữ ký không hợp lệ: nội dung đã bị sửa hoặc chữ ký bị giả');
      else if (
        Date.parse(d.at) < Date.parse(key.validFrom) ||
        (key.validUntil && Date.parse(d.at) > Date.parse(key.validUntil))
      )
        push(
          'digest-key-retired',
          `ký bằng khóa ngoài thời hạn hiệu lực của nó (${hn(key.validFrom)} – ${key.validUntil ? hn(key.validUntil) : 'nay'})`,
        );
    }
    if (d.seq !== i + 1 || d.prevDigestHash !== (prev ? digestHash(prev) : '') || d.runKey !== records[0]?.runKey)
      push('digest-broken-link', 'không nối với chữ ký số trước nó (bị xóa, chèn hoặc đổi chỗ)');
    if (prev && (d.records < prev.records || Date.parse(d.at) < Date.parse(prev.at)))
      push('digest-broken-link', 'bao ít bản ghi hơn hoặc lập trước chữ ký số trước nó');
    const last = bySeq.get(d.records);
    const from = (prev?.records ?? 0) + 1;
    if (!last) push('digest-chain-mismatch', `bản ghi seq ${d.records} mà nó bao không còn trong sổ (bản ghi bị xóa)`);
    else if (last.hash !== d.lastHash)
      push(
        'digest-chain-mismatch',
        `chuỗi bản ghi đến seq ${d.records} không còn khớp với mã băm đã ký: bản ghi seq ${prev && bySeq.get(prev.records)?.hash === prev.lastHash ? from : 1}–${d.records} đã bị viết lại sau khi ký`,
        { seq: d.records, key: last.key },
      );
    else if (Date.parse(d.at) < Date.parse(last.recordedAt))
      push('digest-backdated', `lập trước khi bản ghi seq ${d.records} mà nó bao được ghi (${hn(last.recordedAt)})`, {
        seq: d.records,
        key: last.key,
      });
    prev = d;
  });
  const covered = prev?.records ?? 0;
  const lastSeq = records.at(-1)?.seq ?? 0;
  if (lastSeq > covered)
    out.push({
      problem: 'digest-tail-uncovered',
      level: 'warning',
      message: `bản ghi seq ${covered + 1}–${lastSeq} chưa có chữ ký số bao (ghi sau chữ ký cuối cùng)`,
      seq: covered + 1,
    });
  return out;
}
