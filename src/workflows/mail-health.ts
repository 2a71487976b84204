import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { historyIsLong } from './continue-as-new';
import { sendMessage } from './send-options';

/**
 * The mail server's health as the workers of one task queue see it, kept where the CLI and the
 * dashboard can read it: they talk to Temporal only, possibly from another machine. Workers signal a
 * change of state (down, still down hourly, up), never a message; the Offices whose mail waited are
 * told once when it comes back after a long outage.
 */

/** Outages shorter than this are not worth an email: mail was late by minutes at most. */
export const MAIL_RESTORED_NOTICE_AFTER_MS = 10 * 60_000;
/** Runs remembered per outage; beyond it they are only counted. */
export const MAX_AFFECTED_RUNS = 100;
/** Outages whose notices are still to go out (a flapping server must not grow the state). */
const MAX_PENDING_OUTAGES = 10;

export const mailHealthWorkflowId = (taskQueue: string): string => `chidao/mail-health/${taskQueue}`;

/** A run whose mail was held up, with its Office: taken from the message that failed. */
export interface AffectedRun {
  runKey: string;
  ref: string;
  subject: string;
  officeName: string;
  officeEmails: string[];
}

export interface MailHealth {
  state: 'up' | 'down';
  /** When the current state began (epoch ms, as the worker saw it). */
  since: number;
  /** While down: what the server last answered, or why no answer came. */
  lastError?: string;
  /** While down: runs with mail waiting, at most MAX_AFFECTED_RUNS. */
  affectedRuns: AffectedRun[];
  /** Runs beyond the bound. */
  moreAffectedRuns: number;
  /** Outages seen since this record began. */
  outages: number;
  lastOutage?: { from: number; to: number; lastError: string; runs: number; notified: boolean };
}

/** What a worker reports; `affected` are the runs it saw fail since its last report. */
export interface MailReport {
  at: number;
  error?: string;
  affected: AffectedRun[];
}

export interface MailHealthInput {
  /** Tests shorten it; production uses MAIL_RESTORED_NOTICE_AFTER_MS. */
  notifyAfterMs?: number;
  /** Events before continue-as-new; tests shorten it. */
  historyLimit?: number;
  /** Carried over continue-as-new. */
  health?: MailHealth;
  pending?: Outage[];
}

interface Outage {
  from: number;
  to: number;
  lastError: string;
  runs: AffectedRun[];
}

/** The server failed (again): marks it down, or refreshes the error and runs while it stays down. */
export const mailDownSignal = defineSignal<[MailReport]>('mailDown');
/** A message went through: the server is up. */
export const mailUpSignal = defineSignal<[MailReport]>('mailUp');
export const mailHealthQuery = defineQuery<MailHealth>('mailHealth');

export async function mailHealth(input: MailHealthInput = {}): Promise<void> {
  const notifyAfterMs = input.notifyAfterMs ?? MAIL_RESTORED_NOTICE_AFTER_MS;
  const h: MailHealth = input.health ?? {
    state: 'up',
    since: Date.now(),
    affectedRuns: [],
    moreAffectedRuns: 0,
    outages: 0,
  };
  const pending: Outage[] = input.pending ?? [];

  function remember(runs: AffectedRun[]): void {
    for (const r of runs) {
      if (h.affectedRuns.some((x) => x.runKey === r.runKey)) continue;
      if (h.affectedRuns.length < MAX_AFFECTED_RUNS) h.affectedRuns.push(r);
      else h.moreAffectedRuns++;
    }
  }

  setHandler(mailHealthQuery, () => h);
  setHandler(mailDownSignal, (r) => {
    if (h.state === 'up') {
      h.state = 'down';
      h.since = r.at;
      h.outages++;
      h.affectedRuns = [];
      h.moreAffectedRuns = 0;
    } else {
      // Several workers report the same outage: it began with the first of them.
      h.since = Math.min(h.since, r.at);
    }
    if (r.error) h.lastError = r.error;
    remember(r.affected);
  });
  setHandler(mailUpSignal, (r) => {
    // A worker's first success after it starts: nothing to do unless a record left down says otherwise.
    if (h.state === 'up') return;
    remember(r.affected);
    const outage: Outage = {
      from: h.since,
      to: Math.max(r.at, h.since),
      lastError: h.lastError ?? '',
      runs: h.affectedRuns,
    };
    const notify = outage.to - outage.from >= notifyAfterMs && outage.runs.length > 0;
    h.lastOutage = {
      from: outage.from,
      to: outage.to,
      lastError: outage.lastError,
      runs: outage.runs.length + h.moreAffectedRuns,
      notified: false,
    };
    if (notify) {
      pending.push(outage);
      if (pending.length > MAX_PENDING_OUTAGES) pending.shift();
    }
    h.state = 'up';
    h.since = outage.to;
    delete h.lastError;
    h.affectedRuns = [];
    h.moreAffectedRuns = 0;
  });

  const historyFull = () => historyIsLong(input.historyLimit ?? 2000);
  for (;;) {
    await condition(() => pending.length > 0 || historyFull());
    while (pending.length) {
      const outage = pending[0]!;
      await tellOffices(outage);
      pending.shift();
      if (h.lastOutage?.from === outage.from) h.lastOutage.notified = true;
    }
    if (historyFull()) {
      await condition(allHandlersFinished);
      const { notifyAfterMs: n, historyLimit } = input;
      await continueAsNew<typeof mailHealth>({
        ...(n !== undefined ? { notifyAfterMs: n } : {}),
        ...(historyLimit !== undefined ? { historyLimit } : {}),
        health: h,
        pending,
      });
    }
  }
}

/**
 * One notice per Office (by its addresses) listing its directives whose mail waited. The Message-ID
 * comes from the task queue, the Office's place in the outage's list and the outage's start, so an
 * activity retry, a replay or a second report of the same outage never sends it twice. The notice is
 * about the mail server, not a directive: it has its own key, so no run's audit chain holds a message
 * that none of the run's histories sent.
 */
async function tellOffices(outage: Outage): Promise<void> {
  const offices = new Map<string, AffectedRun[]>();
  for (const r of outage.runs) {
    const key = [...r.officeEmails].sort().join(',');
    offices.set(key, [...(offices.get(key) ?? []), r]);
  }
  let i = 0;
  for (const runs of offices.values()) {
    const first = runs[0]!;
    try {
      await sendMessage({
        runKey: `mail-health-${workflowInfo().taskQueue}`,
        ref: runs.map((r) => r.ref).join(', '),
        subject: 'Máy chủ thư đã hoạt động lại',
        party: `office-mail-${i++}`,
        seq: outage.from,
        to: first.officeEmails,
        replyTo: first.officeEmails,
        officeName: first.officeName,
        eventId: workflowInfo().historyLength,
        kind: 'mail-restored',
        downSince: outage.from,
        upAt: outage.to,
        lastError: outage.lastError,
        runs: runs.map((r) => ({ runKey: r.runKey, ref: r.ref, subject: r.subject })),
      });
    } catch (e) {
      // An Office whose own address is refused cannot be told by email; the others still are.
      if (!(
        e instanceof ActivityFailure &&
        e.cause instanceof ApplicationFailure &&
        e.cause.type === 'RecipientRejected'
      ))
        throw e;
      log.warn('mail-restored notice refused', { office: first.officeName, error: e.cause.message });
    }
  }
}
