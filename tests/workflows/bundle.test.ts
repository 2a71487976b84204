import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';

/**
 * Workflow code runs in a sandbox where every cached workflow pays for the modules it pulls in: a value
 * import of zod (through a schema module) once cost ~2 MB per cached lifecycle. Only the SDK and our pure
 * domain code belong in the bundle.
 */
describe('workflow bundle', () => {
  it("holds none of the worker's Node-side dependencies", () => {
    const code = readFileSync(inject('bundlePath'), 'utf8');
    const deps = Object.keys(
      (JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }).dependencies,
    );
    const nodeSide = deps.filter((d) => !d.startsWith('@temporalio/'));
    expect(nodeSide).toContain('zod');
    const bundled = new Set(
      code.match(/node_modules\/(@[^/"'\s]+\/)?[^/"'\s]+/g)?.map((m) => m.slice('node_modules/'.length)),
    );
    expect([...bundled].some((m) => m.startsWith('@temporalio/'))).toBe(true);
    expect(nodeSide.filter((d) => bundled.has(d))).toEqual([]);
  });
});
