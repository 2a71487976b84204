import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from '../config';

/** Connection options from the Temporal CLI's variables: address, namespace, TLS, API key. */
export function connectionOptions(cfg: Config): ConnectionOptions {
  const read = (p?: string) => (p ? readFileSync(p) : undefined);
  const cert = read(cfg.TEMPORAL_TLS_CLIENT_CERT_PATH);
  const key = read(cfg.TEMPORAL_TLS_CLIENT_KEY_PATH);
  const ca = read(cfg.TEMPORAL_TLS_SERVER_CA_CERT_PATH);
  const tls = cfg.TEMPORAL_TLS || cert || ca || cfg.TEMPORAL_API_KEY
    ? {
        ...(cert && key ? { clientCertPair: { crt: cert, key } } : {}),
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(cfg.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: cfg.TEMPORAL_TLS_SERVER_NAME } : {}),
      }
    : undefined;
  return {
    address: cfg.TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(cfg.TEMPORAL_API_KEY ? { apiKey: cfg.TEMPORAL_API_KEY } : {}),
    connectTimeout: '5s',
  };
}

export async function connectClient(cfg: Config): Promise<Client> {
  try {
    const connection = await Connection.connect(connectionOptions(cfg));
    return new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE });
  } catch (e) {
    throw new Error(`Không kết nối được Temporal tại ${cfg.TEMPORAL_ADDRESS} (${(e as Error).message}). Hãy chạy "npm run dev" hoặc đặt TEMPORAL_ADDRESS.`);
  }
}
