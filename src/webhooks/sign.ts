import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signing (standardwebhooks.com): the HMAC-SHA256, with the secret's bytes (base64
 * after "whsec_"), of "<webhook-id>.<webhook-timestamp>.<body>", sent as "v1,<base64>". A receiver
 * recomputes it, compares in constant time, and refuses a timestamp more than 5 minutes away.
 */
export function signatureOf(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function webhookHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureOf(secret, id, timestamp, body),
    'user-agent': 'chidao-webhooks/1',
  };
}
