import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readHistories, replayHistories } from '../../src/audit/histories';

/**
 * Committed histories (tests/fixtures/histories, recorded with CHIDAO_RECORD_FIXTURES=<tag>) replayed with
 * the current workflow code: a change that would break workflows already running fails the build.
 */
const root = 'tests/fixtures/histories';
const scenarios = readdirSync(root).sort();

describe('committed history fixtures', () => {
  it('there are fixtures to replay', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(10);
  });

  it.each(scenarios)('%s replays without non-determinism', async (scenario) => {
    const histories = readHistories(join(root, scenario));
    expect(histories.length).toBeGreaterThan(0);
    const results = await replayHistories(histories, { workflowBundle: { codePath: inject('bundlePath') } });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // Every history produced a result: none skipped silently.
    expect(results).toHaveLength(histories.length);
    expect(results.map((r) => r.workflowId).sort()).toEqual(histories.map((h) => h.workflowId).sort());
  });
});
