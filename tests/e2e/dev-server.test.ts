import { afterAll, beforeAll, describe, it } from 'vitest';
import { devServerStack, type Stack } from '../helpers/stack';
import { seedDirectiveEndToEnd } from './seed-run';

/** The seed directive on the real dev server: fan-out, real mail, and visibility by search attribute. */
let s: Stack;
beforeAll(async () => {
  s = await devServerStack({ CHIDAO_BATCH_SIZE: '20' });
});
afterAll(async () => s?.close());

describe('4432/TCTHADS-VP on the dev server', () => {
  it('every recipient gets the directive by email; overdue units are one visibility query away', async () => {
    await s.run(() => seedDirectiveEndToEnd(s));
  });
});
