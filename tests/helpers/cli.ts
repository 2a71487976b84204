import { Writable } from 'node:stream';
import { describeError, main } from '../../src/cli/main';

/** Runs the CLI in-process as a user would: what it prints, and its exit code (as bin/chidao maps errors). */
export async function chidao(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
  try {
    return { code: await main(argv, sink), out };
  } catch (e) {
    const { message, code } = describeError(e);
    return { code, out: out + message };
  }
}
