import { endOfDay, localDateOf } from './calendar';
import { deadlineDate } from './schedule';
import type { Pause, UnitSnapshot } from './unit-model';
import { currentDeadline, type UnitRules } from './unit-rules';
import { moveDeadline } from './unit-follow-up';

/**
 * The clock stops while the Office owes an answer (policy `pauseWhileDifficultyOpen`, as case systems
 * suspend a term while waiting on the authority): from the difficulty that opened the wait to the answer
 * that closed the last one, no reminder, overdue mark or escalation fires; then the deadline moves by the
 * working days spent waiting (by the time spent, for a deadline set to the minute).
 */
export function pauseOnDifficulty(s: UnitSnapshot, rules: UnitRules, at: number, id: number): void {
  if (!rules.policy.pauseWhileDifficultyOpen || s.pausedSince !== undefined) return;
  // A deadline already past has no clock left to stop: follow-up of a late unit goes on.
  const cur = currentDeadline(s);
  if (!cur || cur.at <= at) return;
  s.pausedSince = at;
  s.pausedFor = id;
}

/** The wait ended (no difficulty left open): the deadline moves on, and follow-up resumes. */
export function resumeAfterAnswer(s: UnitSnapshot, rules: UnitRules, at: number): Pause | undefined {
  const difficulty = s.pausedFor ?? 0;
  // The wait is for the difficulty that opened it and any raised since; an older one does not hold it.
  if (s.pausedSince === undefined || s.difficulties.some((d) => d.id >= difficulty && !d.answer)) return undefined;
  // A date the Office set during the wait (an extension) already counts it from then.
  const since = Math.max(s.pausedSince, s.deadlineSetAt ?? s.pausedSince);
  delete s.pausedSince;
  delete s.pausedFor;
  const cur = currentDeadline(s);
  if (!cur) return undefined;
  // A deadline at 24:00 was counted in days: it moves by working days waited (the day raised not counted,
  // as a period's first day is not). One set to the minute moves by the time waited.
  const inDays = cur.at === endOfDay(deadlineDate(cur.at));
  const workingDays = inDays ? rules.cal.workingDaysBetween(localDateOf(since), localDateOf(at)) : 0;
  const until = inDays ? endOfDay(rules.cal.addWorkingDays(deadlineDate(cur.at), workingDays)) : cur.at + (at - since);
  const pause: Pause = {
    from: since,
    to: at,
    difficulty,
    workingDays,
    target: cur.target,
    deadlineFrom: cur.at,
    deadlineTo: until,
  };
  s.pauses = [...(s.pauses ?? []), pause].slice(-20);
  if (until !== cur.at) moveDeadline(s, rules, cur.target, until, at);
  return pause;
}

/** What a pause that moved the deadline says in the answer's record and mail; nothing when it did not. */
export function movedBy(p: Pause | undefined): { resumed?: { from: number; until: number; workingDays: number } } {
  if (!p || p.deadlineTo === p.deadlineFrom) return {};
  return { resumed: { from: p.deadlineFrom, until: p.deadlineTo, workingDays: p.workingDays } };
}
