import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config';

/**
 * The Temporal CLI's variables as `config.ts` read them, handed back to @temporalio/envconfig under the
 * same names: the SDK decides what they mean (TLS implied by a certificate, a CA or an API key;
 * `TEMPORAL_TLS=false` turns it off), while `Config` stays the one place that reads the environment and
 * gives the address its default.
 */
export function temporalEnv(cfg: Config): Record<string, string> {
  const env: Record<string, string | undefined> = {
    TEMPORAL_ADDRESS: cfg.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: cfg.TEMPORAL_NAMESPACE,
    TEMPORAL_API_KEY: cfg.TEMPORAL_API_KEY,
    TEMPORAL_TLS: cfg.TEMPORAL_TLS === undefined ? undefined : String(cfg.TEMPORAL_TLS),
    TEMPORAL_TLS_CLIENT_CERT_PATH: cfg.TEMPORAL_TLS_CLIENT_CERT_PATH,
    TEMPORAL_TLS_CLIENT_KEY_PATH: cfg.TEMPORAL_TLS_CLIENT_KEY_PATH,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: cfg.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
    TEMPORAL_TLS_SERVER_NAME: cfg.TEMPORAL_TLS_SERVER_NAME,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * Address, TLS and API key for both connections (the client's and the worker's native one). The CLI's
 * profile file (temporal.toml) is not read: a developer's profile must not silently point the Office's
 * worker, or the tests, at another cluster; the variables are the whole configuration.
 */
export function nativeConnectionOptions(cfg: Config): NativeConnectionOptions {
  const { connectionOptions: o } = loadClientConnectConfig({ disableFile: true, overrideEnvVars: temporalEnv(cfg) });
  return {
    address: o.address ?? cfg.TEMPORAL_ADDRESS,
    ...(o.tls !== undefined ? { tls: o.tls } : {}),
    ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
  };
}

/** The client's connection: the same settings, failing fast when nobody answers. */
export function connectionOptions(cfg: Config): ConnectionOptions {
  return { ...nativeConnectionOptions(cfg), connectTimeout: '5s' };
}

export async function connectClient(cfg: Config): Promise<Client> {
  try {
    const connection = await Connection.connect(connectionOptions(cfg));
    return new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE });
  } catch (e) {
    throw new Error(
      `Không kết nối được Temporal tại ${cfg.TEMPORAL_ADDRESS} (${(e as Error).message}). ` +
        'Hãy chạy "npm run dev" hoặc đặt TEMPORAL_ADDRESS.',
      { cause: e },
    );
  }
}
