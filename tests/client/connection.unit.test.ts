import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionOptions, nativeConnectionOptions } from '../../src/client/connection';
import { loadConfig } from '../../src/config';

/** The README's TEMPORAL_* variables, through config.ts and @temporalio/envconfig, to connection options. */
const dir = mkdtempSync(join(tmpdir(), 'chidao-tls-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const CERT = file('client.pem', 'CLIENT CERT');
const KEY = file('client.key', 'CLIENT KEY');
const CA = file('ca.pem', 'PRIVATE CA');
const bytes = (s: string) => new TextEncoder().encode(s);

describe('TEMPORAL_* variables to connection options', () => {
  it.each<[string, Record<string, string>, object]>([
    ['nothing set: the local dev server, no TLS', {}, { address: 'localhost:7233' }],
    ['an address', { TEMPORAL_ADDRESS: 'temporal.internal:7233' }, { address: 'temporal.internal:7233' }],
    ['TEMPORAL_TLS=true: TLS with system roots', { TEMPORAL_TLS: 'true' }, { address: 'localhost:7233', tls: {} }],
    ['TEMPORAL_TLS=1 reads as true', { TEMPORAL_TLS: '1' }, { address: 'localhost:7233', tls: {} }],
    ['TEMPORAL_TLS=false: no TLS', { TEMPORAL_TLS: 'false' }, { address: 'localhost:7233', tls: false }],
    [
      'mTLS: a client certificate and key imply TLS',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: CERT, TEMPORAL_TLS_CLIENT_KEY_PATH: KEY },
      { address: 'localhost:7233', tls: { clientCertPair: { crt: bytes('CLIENT CERT'), key: bytes('CLIENT KEY') } } },
    ],
    [
      'a private CA and a server name imply TLS',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA, TEMPORAL_TLS_SERVER_NAME: 'temporal.vp.gov.vn' },
      {
        address: 'localhost:7233',
        tls: { serverRootCACertificate: bytes('PRIVATE CA'), serverNameOverride: 'temporal.vp.gov.vn' },
      },
    ],
    [
      'TEMPORAL_TLS=false wins over a certificate',
      { TEMPORAL_TLS: 'false', TEMPORAL_TLS_CLIENT_CERT_PATH: CERT, TEMPORAL_TLS_CLIENT_KEY_PATH: KEY },
      { address: 'localhost:7233', tls: false },
    ],
    [
      'an API key implies TLS',
      { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k-123' },
      { address: 'ns.acct.tmprl.cloud:7233', apiKey: 'k-123', tls: true },
    ],
  ])('%s', (_name, env, expected) => {
    expect(nativeConnectionOptions(loadConfig(env))).toEqual(expected);
  });

  it('the client connection has the same settings and gives up after 5 seconds', () => {
    const cfg = loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_API_KEY: 'k-123' });
    expect(connectionOptions(cfg)).toStrictEqual({ ...nativeConnectionOptions(cfg), connectTimeout: '5s' });
  });

  it('a certificate path that does not exist is an error, not a connection without the certificate', () => {
    const missing = join(dir, 'missing.pem');
    const cfg = loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: missing, TEMPORAL_TLS_CLIENT_KEY_PATH: KEY });
    expect(() => nativeConnectionOptions(cfg)).toThrow(/ENOENT/);
  });

  describe('a Temporal CLI profile file', () => {
    const saved = process.env.TEMPORAL_CONFIG_FILE;
    afterEach(() => {
      if (saved === undefined) delete process.env.TEMPORAL_CONFIG_FILE;
      else process.env.TEMPORAL_CONFIG_FILE = saved;
    });

    it('is not read: only the variables configure the connection', () => {
      process.env.TEMPORAL_CONFIG_FILE = file(
        'temporal.toml',
        '[profile.default]\naddress = "elsewhere:7233"\napi_key = "from-profile"\n',
      );
      expect(nativeConnectionOptions(loadConfig({}))).toStrictEqual({ address: 'localhost:7233' });
    });
  });
});
