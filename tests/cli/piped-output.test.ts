import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The CLI as a script uses it: its stdout is a pipe. Node writes to a pipe asynchronously, so a CLI that
 * calls process.exit() as soon as it has printed loses whatever the pipe has not taken yet (64 KiB).
 */
const dir = mkdtempSync(join(tmpdir(), 'chidao-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const UNITS = 50_000;
const code = (i: number) => `U${String(i).padStart(5, '0')}`;

function writeBigRegistry(): string {
  const lines = [
    'id: lon-50000',
    'name: Danh mục thử 50.000 đơn vị',
    'effective: "2023-01-01"',
    'groups: [{ code: tat-ca, name: Tất cả đơn vị }]',
    'units:',
    '  - { code: VP, name: Văn phòng Tổng cục, emails: [vp@thads.example] }',
  ];
  for (let i = 1; i <= UNITS; i++)
    lines.push(
      `  - { code: ${code(i)}, name: Chi cục Thi hành án dân sự khu vực ${i}, emails: [u${i}@thads.example], ` +
        `head: { name: Chi cục trưởng ${i}, title: Chi cục trưởng, email: head${i}@thads.example }, province: Tỉnh ${(i % 34) + 1}, groups: [tat-ca] }`,
    );
  const path = join(dir, 'units-50000.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

function writeDirective(): string {
  const seed = readFileSync('examples/4432-TCTHADS-VP.yaml', 'utf8');
  const text = seed.replace(
    /\nrecipients:\n[\s\S]*?\npolicy:/,
    '\nrecipients:\n  - group: tat-ca\n    purpose: Như trên\npolicy:',
  );
  expect(text).not.toBe(seed);
  const path = join(dir, 'directive.yaml');
  writeFileSync(path, text);
  return path;
}

/** Runs the CLI with stdout piped to a reader that does not read for the first `stallMs`. */
function runPiped(args: string[], stallMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), stallMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c) => (err += String(c)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: err }));
  });
}

describe('CLI output to a pipe', () => {
  it('a dry run of 50,000 units read slowly through a pipe arrives whole, with exit code 0', async () => {
    const registry = writeBigRegistry();
    expect(statSync(registry).size).toBeGreaterThan(8 * 1024 * 1024);
    const directive = writeDirective();
    const {
      code: exit,
      stdout,
      stderr,
    } = await runPiped(['start', directive, '--registry', registry, '--dry-run'], 3_000);
    expect(stderr).toBe('');
    expect(exit).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.pop()).toBe(''); // ends with a newline: nothing cut mid-line
    const rows = lines.filter((l) => /^U\d{5} /.test(l));
    expect(rows).toHaveLength(UNITS);
    expect(new Set(rows.map((l) => l.slice(0, 6))).size).toBe(UNITS);
    expect(lines.at(-1)).toMatch(new RegExp(`^${code(UNITS)} .*u${UNITS}@thads\\.example$`));
    expect(Buffer.byteLength(stdout)).toBeGreaterThan(64 * 1024 * 50);
  }, 300_000);
});
