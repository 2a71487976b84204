import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toWindows1258 } from '../domain/windows-1258';

/**
 * README's examples of input errors are what the CLI prints, byte for byte: each is reproduced here
 * with the example files changed as it says, under a folder named examples/ so the paths read the same.
 */
const root = mkdtempSync(join(tmpdir(), 'chidao-readme-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = resolve('bin/chidao.mjs');
const directive = readFileSync('examples/4432-TCTHADS-VP.yaml', 'utf8');
const registry = readFileSync('examples/units-thads-2023.yaml', 'utf8');

const replaced = (text: string, from: string, to: string) => {
  expect(text).toContain(from);
  return text.replace(from, to);
};

const BOMB = ['id: bom', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat('bcdefghi'.split('').map((x, i) => `${x}: &${x} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`))
  .join('\n');

/** Each scenario: the two example files as a clerk might have left them. */
const scenarios: Record<string, () => { directive: string | Uint8Array; registry: string }> = {
  'unknown unit': () => ({ directive: replaced(directive, 'unit: TT-MLK', 'unit: XYZ'), registry }),
  'misspelt key': () => ({ directive: replaced(directive, 'urgency: thuong', 'urgnecy: khan'), registry }),
  'comma in a flow map': () => ({
    directive,
    registry: replaced(
      registry,
      'name: "Thủ trưởng Vụ Giải quyết khiếu nại, tố cáo"',
      'name: Thủ trưởng Vụ Giải quyết khiếu nại, tố cáo',
    ),
  }),
  'bracket left open': () => ({
    directive: replaced(directive, '1 ngày làm việc, 0 ngày]', '1 ngày làm việc, 0 ngày'),
    registry,
  }),
  'saved as Windows-1258': () => ({ directive: toWindows1258(directive), registry }),
  'alias bomb': () => ({ directive, registry: BOMB }),
  secret: () => ({ directive: replaced(directive, 'confidentiality: thuong', 'confidentiality: mat'), registry }),
};

function run(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = join(root, name.replace(/\W+/g, '-'));
  mkdirSync(join(cwd, 'examples'), { recursive: true });
  const files = scenarios[name]!();
  writeFileSync(join(cwd, 'examples/4432-TCTHADS-VP.yaml'), files.directive);
  writeFileSync(join(cwd, 'examples/units-thads-2023.yaml'), files.registry);
  return new Promise((done, fail) => {
    const args = [
      bin,
      'start',
      'examples/4432-TCTHADS-VP.yaml',
      '--registry',
      'examples/units-thads-2023.yaml',
      '--dry-run',
    ];
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Every line of README that shows an error in an example file. */
const readmeLines = readFileSync('README.md', 'utf8')
  .split('\n')
  .filter((l) => /^(Từ chối: )?examples\/[\w.-]+\.yaml:\d+:\d+: /.test(l));

describe("README's input errors", () => {
  it('README shows one line for each scenario', () => {
    expect(readmeLines).toHaveLength(Object.keys(scenarios).length);
  });

  it('each scenario exits 1, starts nothing and prints exactly the line README shows', async () => {
    const printed: string[] = [];
    for (const name of Object.keys(scenarios)) {
      const { code, stdout, stderr } = await run(name);
      expect({ name, code, stdout }).toEqual({ name, code: 1, stdout: '' });
      const lines = stderr.trimEnd().split('\n');
      if (lines[0] === 'Tệp không hợp lệ, chưa bắt đầu gì:') lines.shift();
      expect(lines, name).toHaveLength(1);
      printed.push(lines[0]!);
    }
    expect(printed).toEqual(readmeLines);
  });
});
