import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendDeliveryLine } from '../../src/activities/webhooks';

describe('the webhook delivery log', () => {
  it('is set aside when it grows past its size; the five newest old logs are kept, and the last line is in the new one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhook-log-'));
    const log = join(dir, 'deliveries.jsonl');
    for (let i = 0; i < 200; i++) appendDeliveryLine(log, { n: i, outcome: 'delivered' }, 300);
    const rotated = readdirSync(dir).filter((f) => /^deliveries-.+\.jsonl$/.test(f));
    expect(rotated).toHaveLength(5);
    // The live log never holds more than the limit plus the line that crossed it.
    expect(statSync(log).size).toBeLessThan(300 + 100);
    const last = readFileSync(log, 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ n: 199, outcome: 'delivered' });
    // Every kept line is whole JSON: nothing was cut at a rotation.
    for (const f of [...rotated, 'deliveries.jsonl'])
      for (const l of readFileSync(join(dir, f), 'utf8').trim().split('\n')) expect(() => JSON.parse(l)).not.toThrow();
  });
});
