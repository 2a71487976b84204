import { resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Compiler } from 'webpack';
import { readHistories, replayHistories } from '../../src/audit/histories';
import { workflowsPath } from '../../src/worker/create-worker';

/**
 * Audit records added activities to the workflows after the fixtures were recorded. With patched() the
 * old histories replay; the same change written without it (patched() always true) breaks them.
 */
const shim = resolve('tests/helpers/patched-always.ts');
const fixture = 'tests/fixtures/histories/report-before-its-deadline-is-accepted-and-the-unit-is-done';

describe('patching', () => {
  it('the audit change without patched() fails replay of an old history, naming workflow and event; with it, replay passes', async () => {
    const unpatched = await bundleWorkflowCode({
      workflowsPath,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
      webpackConfigHook: (config) => ({
        ...config,
        plugins: [
          ...(config.plugins ?? []),
          {
            apply(compiler: Compiler) {
              new compiler.webpack.NormalModuleReplacementPlugin(
                /^@temporalio\/workflow$/,
                (r: { request: string; contextInfo?: { issuer?: string } }) => {
                  if (!r.contextInfo?.issuer?.includes('patched-always')) r.request = shim;
                },
              ).apply(compiler);
            },
          },
        ],
      }),
    });
    const histories = readHistories(fixture);
    const broken = await replayHistories(histories, { workflowBundle: unpatched });
    const failures = broken.filter((r) => !r.ok);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.map((f) => f.workflowId).join(' ')).toMatch(/unit\/T1/);
    expect(failures[0]!.error).toMatch(/[Nn]ondeterminism.*HistoryEvent\(id: \d+/);

    const fine = await replayHistories(histories, { workflowBundle: { codePath: inject('bundlePath') } });
    expect(fine.every((r) => r.ok)).toBe(true);
  });
});
