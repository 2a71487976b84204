import { seal, type AuditRecord } from '../../src/audit/record';

/** What an attacker with write access does to hide a change: recompute every seq, link and hash. */
export function rechain(rs: AuditRecord[]): AuditRecord[] {
  let prev = '';
  return rs.map((r, i) => {
    const { hash: _h, seq: _s, prevHash: _p, recordedAt, ...act } = r;
    const sealed = seal(act, i + 1, prev, new Date(recordedAt));
    prev = sealed.hash;
    return sealed;
  });
}
