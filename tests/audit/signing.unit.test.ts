import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestSigner, verifyDigests } from '../../src/audit/digest';
import { FileAuditStore } from '../../src/audit/file-store';
import { generateSigningKey, loadSigningKey, readKeyring, rotateSigningKey } from '../../src/audit/keys';
import { SigningAuditStore } from '../../src/audit/signing-store';
import { act } from './store-conformance';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

function keyFiles() {
  const dir = tmp('chidao-keys-');
  return { key: join(dir, 'signing.pem'), keyring: join(dir, 'keyring.json') };
}

describe('audit signing keys', () => {
  it('keygen writes a private key only its owner reads and publishes the public half; it never overwrites', () => {
    const f = keyFiles();
    const entry = generateSigningKey(f.key, f.keyring, new Date('2026-01-01T00:00:00Z'));
    expect(statSync(f.key).mode & 0o777).toBe(0o600);
    expect(readFileSync(f.key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readKeyring(f.keyring).keys).toEqual([entry]);
    expect(entry).toMatchObject({ keyId: loadSigningKey(f.key).keyId, validFrom: '2026-01-01T00:00:00.000Z' });
    expect(entry.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(() => generateSigningKey(f.key, f.keyring)).toThrow(/Đã có khóa ký .*chidao audit rotate/);
  });

  it('rotate retires the old key from that moment, keeps its public half, and signs with the new one', () => {
    const f = keyFiles();
    const old = generateSigningKey(f.key, f.keyring, new Date('2026-01-01T00:00:00Z'));
    const times = [new Date('2026-06-01T00:00:00Z'), new Date('2026-06-01T00:00:01Z')];
    const { retired, added } = rotateSigningKey(f.key, f.keyring, () => times.shift()!);
    expect(retired).toEqual({ ...old, validUntil: '2026-06-01T00:00:01.000Z' });
    expect(added.validFrom).toBe('2026-06-01T00:00:00.000Z');
    expect(loadSigningKey(f.key).keyId).toBe(added.keyId);
    expect(added.keyId).not.toBe(old.keyId);
    expect(readKeyring(f.keyring).keys).toEqual([retired, added]);
  });

  it('a key file that is missing or not Ed25519 is refused with what to do', () => {
    const dir = tmp('chidao-none-');
    expect(() => loadSigningKey(join(dir, 'k.pem'))).toThrow(/không có tệp \(tạo bằng: chidao audit keygen\)/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(join(dir, 'ec.pem'), ec);
    expect(() => loadSigningKey(join(dir, 'ec.pem'))).toThrow(/cần khóa Ed25519, tệp chứa khóa ec/);
  });
});

describe('the signing audit writer', () => {
  it('signs every N records and when a run closes, and what is left when it closes', async () => {
    const f = keyFiles();
    generateSigningKey(f.key, f.keyring);
    const inner = new FileAuditStore(tmp('chidao-audit-'));
    const store = new SigningAuditStore(
      inner,
      digestSigner(() => loadSigningKey(f.key)),
      {
        everyRecords: 3,
        intervalMs: 3_600_000,
      },
    );
    const runKey = `run-${Math.random()}`;
    for (let i = 0; i < 7; i++) await store.append(act(runKey, `k${i}`));
    expect((await store.digests(runKey)).map((d) => d.records)).toEqual([3, 6]);
    await store.append(act(runKey, 'recall', { kind: 'recalled', data: { reason: 'Ban hành nhầm' } }));
    expect((await store.digests(runKey)).map((d) => d.records)).toEqual([3, 6, 8]);
    await store.append(act(runKey, 'late'));
    await store.close();
    const digests = await inner.digests(runKey);
    expect(digests.map((d) => d.records)).toEqual([3, 6, 8, 9]);
    expect(verifyDigests(await inner.list(runKey), digests, readKeyring(f.keyring))).toEqual([]);
  });

  it('signs the final summary at once: the run is sealed as it ends', async () => {
    const f = keyFiles();
    generateSigningKey(f.key, f.keyring);
    const store = new SigningAuditStore(
      new FileAuditStore(tmp('chidao-audit-')),
      digestSigner(() => loadSigningKey(f.key)),
      {
        everyRecords: 100,
        intervalMs: 3_600_000,
      },
    );
    const runKey = `run-${Math.random()}`;
    await store.append(act(runKey, 'a'));
    expect(await store.digests(runKey)).toEqual([]);
    await store.append(act(runKey, 'summary', { data: { messageKind: 'summary', to: ['vp@thads.example'] } }));
    expect((await store.digests(runKey)).map((d) => d.records)).toEqual([2]);
  });
});
