import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Ed25519 keys for the audit trail's digests. The private half stays with the audit writer (a file the
 * worker reads, mode 0600); the public halves go to auditors in a keyring: every key the office has used,
 * with the period it was valid, so digests signed before a rotation still verify and a digest signed
 * with a retired key after its retirement does not.
 */
export interface KeyringEntry {
  keyId: string;
  /** SPKI, PEM. */
  publicKey: string;
  validFrom: string;
  /** Set when the key was rotated out: digests it signs after this are refused. */
  validUntil?: string;
}

export interface Keyring {
  keys: KeyringEntry[];
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
}

/** The first 16 hex digits of SHA-256 over the public key's DER: short, and the same wherever it is computed. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function loadSigningKey(path: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'không có tệp' : 'không đọc được khóa';
    throw new Error(`Khóa ký sổ kiểm toán ${path}: ${why} (tạo bằng: chidao audit keygen)`, { cause: e });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`Khóa ký sổ kiểm toán ${path}: cần khóa Ed25519, tệp chứa khóa ${privateKey.asymmetricKeyType}`);
  return { keyId: keyIdOf(createPublicKey(privateKey)), privateKey };
}

export function readKeyring(path: string): Keyring {
  let k: Keyring;
  try {
    k = JSON.parse(readFileSync(path, 'utf8')) as Keyring;
  } catch (e) {
    throw new Error(`Tệp khóa công khai ${path}: không đọc được (${(e as Error).message})`, { cause: e });
  }
  if (!Array.isArray(k.keys)) throw new Error(`Tệp khóa công khai ${path}: thiếu danh sách "keys"`);
  return k;
}

export function signBytes(key: SigningKey, data: string): string {
  return sign(null, Buffer.from(data, 'utf8'), key.privateKey).toString('base64');
}

export function verifyBytes(entry: KeyringEntry, data: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(data, 'utf8'), createPublicKey(entry.publicKey), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Writes atomically (temporary file, then rename), so a reader never sees half a key. */
function writeAtomic(path: string, text: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

function newPair(): { privatePem: string; entry: Omit<KeyringEntry, 'validFrom'> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    entry: { keyId: keyIdOf(publicKey), publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string },
  };
}

/** A new signing key, its public half added to the keyring. Refuses to overwrite a key. */
export function generateSigningKey(keyPath: string, keyringPath: string, now = new Date()): KeyringEntry {
  if (existsSync(keyPath))
    throw new Error(
      `Đã có khóa ký tại ${keyPath}: dùng "chidao audit rotate" để thay khóa (khóa cũ được giữ lại trong tệp khóa công khai).`,
    );
  const ring: Keyring = existsSync(keyringPath) ? readKeyring(keyringPath) : { keys: [] };
  const { privatePem, entry } = newPair();
  const added = { ...entry, validFrom: now.toISOString() };
  writeAtomic(keyPath, privatePem, 0o600);
  writeAtomic(keyringPath, JSON.stringify({ keys: [...ring.keys, added] }, null, 2) + '\n', 0o644);
  return added;
}

/**
 * Replaces the signing key: the new key is written first (from then on the writer signs with it), then
 * the old key is retired in the keyring at that moment, so no digest the old key signed falls after its
 * retirement. The old private key is overwritten: keep no copy of it.
 */
export function rotateSigningKey(
  keyPath: string,
  keyringPath: string,
  clock: () => Date = () => new Date(),
): { retired: KeyringEntry; added: KeyringEntry } {
  const old = loadSigningKey(keyPath);
  const ring = readKeyring(keyringPath);
  const entry = ring.keys.find((k) => k.keyId === old.keyId);
  if (!entry)
    throw new Error(
      `Khóa ký ${keyPath} (mã ${old.keyId}) không có trong tệp khóa công khai ${keyringPath}: kiểm tra lại đường dẫn.`,
    );
  const { privatePem, entry: fresh } = newPair();
  const validFrom = clock().toISOString();
  writeAtomic(keyPath, privatePem, 0o600);
  const validUntil = clock().toISOString();
  const retired = { ...entry, validUntil };
  const added = { ...fresh, validFrom };
  const keys = ring.keys.map((k) => (k.keyId === old.keyId ? retired : k));
  writeAtomic(keyringPath, JSON.stringify({ keys: [...keys, added] }, null, 2) + '\n', 0o644);
  return { retired, added };
}
