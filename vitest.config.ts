import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's native worker does not run in worker threads: keep forks.
    pool: 'forks',
    globalSetup: ['tests/global-setup.ts'],
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The dev server and SMTP server are shared; two forks fit the machine's two cores.
    maxWorkers: 2,
  },
});
