import { defineConfig } from 'vitest/config';

/**
 * Which tests need no server: the domain's, and any file named `*.unit.test.ts` (pure helpers, stores on
 * local files, routes through `app.inject` with fakes). They run without the global setup, so
 * `npm run test:unit` works before `scripts/setup` has built the Temporal CLI.
 */
const UNIT = ['tests/domain/**/*.test.ts', 'tests/**/*.unit.test.ts'];
/**
 * The cluster's tests saturate both cores (five Temporal processes, PostgreSQL, a 1,000-unit fan-out):
 * a test beside them once took over 120 s for a 500-unit run that takes 21 s alone. They run last, alone.
 */
const CLUSTER = ['tests/cluster/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: UNIT,
          testTimeout: 20_000,
          // Projects with different worker limits need their own group; the fast one goes first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: [...UNIT, ...CLUSTER],
          // Temporal's native worker does not run in worker threads: keep forks.
          pool: 'forks',
          // Once per run: the dev server, the SMTP server, PostgreSQL and the workflow bundle.
          globalSetup: ['tests/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The dev server and SMTP server are shared; two forks fit the machine's two cores.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'cluster',
          include: CLUSTER,
          pool: 'forks',
          globalSetup: ['tests/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
