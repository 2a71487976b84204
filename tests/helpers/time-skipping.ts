import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from 'vitest';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { fetchRunHistories, replayHistories, writeHistories } from '../../src/audit/histories';
import { timeSkippingStack, type Stack } from './stack';
import { TestSmtp } from './test-smtp';

/**
 * One real SMTP server for the file, up and refusing nobody at the start of each test whatever the one
 * before did, and a time-skipping server of each test's own: one test's skipped time never moves another's
 * runs (a shared server once hung a later test's sleep). Registers the hooks; read `s` and `smtp` inside
 * tests.
 */
export function timeSkippingPerTest(env: Record<string, string> = {}): { readonly s: Stack; readonly smtp: TestSmtp } {
  let smtp: TestSmtp | undefined;
  let s: Stack | undefined;
  beforeAll(async () => {
    smtp = await TestSmtp.create();
  });
  afterAll(async () => {
    await smtp?.down();
  });
  beforeEach(async () => {
    smtp!.refuse.clear();
    await smtp!.down();
    await smtp!.up();
    s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false', CHIDAO_SMTP_URL: smtp!.url, ...env });
  });
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });
  return {
    get s() {
      return s!;
    },
    get smtp() {
      return smtp!;
    },
  };
}

/** The current test's name as a folder name: ASCII, lower case, dashes. */
function testSlug(): string {
  return expect
    .getState()
    .currentTestName!.replace(/^.*> /, '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60);
}

/**
 * The run's histories replay with the current code, each with a result; CHIDAO_RECORD_FIXTURES=<tag> keeps
 * them as committed fixtures, named after the test (or `name`).
 */
export async function replaysWithCurrentCode(client: Client, key: string, atLeast: number, name?: string) {
  const hs = await fetchRunHistories(client, key);
  const tag = process.env.CHIDAO_RECORD_FIXTURES;
  if (tag) writeHistories(join('tests/fixtures/histories', `${tag}-${name ?? testSlug()}`), hs);
  const results = await replayHistories(hs, { workflowBundle: { codePath: inject('bundlePath') } });
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results).toHaveLength(hs.length);
  expect(results.length).toBeGreaterThanOrEqual(atLeast);
}

/** The type and message of an update's refusal; fails the test if the update was not refused. */
export async function refusalOf(p: Promise<unknown>): Promise<[string, string]> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  const { type, message } = (e as WorkflowUpdateFailedError).cause as unknown as { type: string; message: string };
  return [type, message];
}
