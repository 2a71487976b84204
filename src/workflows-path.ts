import { fileURLToPath } from 'node:url';

/**
 * The workflows' entry point, for the bundler and the worker. Its own module, with no dependencies, so
 * whoever needs the path (the CLI's replay, the tests' bundle) does not load the worker, nodemailer and pg.
 */
export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
