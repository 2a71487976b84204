import { localDateOf, VN_OFFSET_MS } from './calendar';

/** What messages print for the Office to run or read: commands, deadlines, clock times. */

/** A shell word: quoted only when it holds something a shell would split or expand. */
export function shellWord(s: string): string {
  return /^[\p{L}\p{N}@%+=:,./_-]+$/u.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A command line the Office can copy from a message and run. It names the run by its key
 * (2026-1187-QLTHADS-VP), which the CLI takes, never by the directive's reference (1187/QLTHADS-VP).
 * Placeholders in angle brackets are for the clerk to fill in and are left unquoted.
 */
export function command(verb: string, runKey: string, ...args: string[]): string {
  return ['chidao', verb, shellWord(runKey), ...args.map((a) => (/^\[?<.*>(…\])?$/.test(a) ? a : shellWord(a)))].join(
    ' ',
  );
}

/** A deadline as the CLI's --until takes it: a date when it ends a day, else the instant in Viet Nam's time. */
export function cliDeadline(instant: number): string {
  const t = new Date(instant + VN_OFFSET_MS);
  if (t.getUTCHours() === 0 && t.getUTCMinutes() === 0 && t.getUTCSeconds() === 0 && t.getUTCMilliseconds() === 0)
    return localDateOf(instant - 1);
  return t.toISOString().replace(/(\.000)?Z$/, '+07:00');
}

/** "14:02 25/11/2026", Viet Nam's time: when something happened, in one short phrase. */
export function vnClock(instant: number): string {
  const t = new Date(instant + VN_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(t.getUTCHours())}:${p(t.getUTCMinutes())} ${p(t.getUTCDate())}/${p(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
}
