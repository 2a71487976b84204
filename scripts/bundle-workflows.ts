/**
 * npm run bundle [-- <path>]: the workflow code, bundled once for production workers
 * (CHIDAO_WORKFLOW_BUNDLE=<path>), so a worker neither runs webpack at start nor keeps its memory.
 * Rebuild it with every deployment: a worker runs the workflow code of the bundle it is given.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from '../src/workflows-path';

const out = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
console.log(
  `Đã đóng gói mã workflow: ${out} (${Math.round(code.length / 1024)} KiB). Chạy worker với CHIDAO_WORKFLOW_BUNDLE=${out}`,
);
