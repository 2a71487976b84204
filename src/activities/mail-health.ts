import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import type { MessageRequest } from '../domain/messages';
import {
  mailDownSignal,
  mailHealth,
  mailHealthWorkflowId,
  mailUpSignal,
  MAX_AFFECTED_RUNS,
  type AffectedRun,
  type MailReport,
} from '../workflows/mail-health';

/** While the server stays down, one more log line (and a refreshed record) at most this often. */
export const STILL_DOWN_EVERY_MS = 3600_000;

export interface MailHealthTrackerOptions {
  client: Client;
  taskQueue: string;
  /** The worker's logger; resolved when first needed, so a test can install its Runtime first. */
  logger: () => Logger;
  now?: () => number;
  stillDownEveryMs?: number;
}

/**
 * What this worker has seen of the mail server, from the outcome of every SMTP transaction the send
 * activity attempts. A change of state writes one log line and one signal to the mailHealth workflow;
 * a retry that fails like the one before writes nothing, so an outage of an hour with thousands of
 * waiting messages costs two lines, not a stack trace per attempt.
 */
export class MailHealthTracker {
  private state: 'unknown' | 'up' | 'down' = 'unknown';
  private since = 0;
  private lastError = '';
  private lastReportAt = 0;
  private attempts = 0;
  /** Runs seen failing since the last report, by key; the record keeps its own bounded list. */
  private fresh = new Map<string, AffectedRun>();
  private reported = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly stillDownEveryMs: number;

  constructor(private readonly opts: MailHealthTrackerOptions) {
    this.now = opts.now ?? Date.now;
    this.stillDownEveryMs = opts.stillDownEveryMs ?? STILL_DOWN_EVERY_MS;
  }

  get current(): { state: 'unknown' | 'up' | 'down'; since: number; lastError: string } {
    return { state: this.state, since: this.since, lastError: this.lastError };
  }

  /** The server did not take a message (connection, timeout, 4xx, our login): it is down. */
  failed(error: string, req?: MessageRequest): void {
    const now = this.now();
    this.attempts++;
    this.lastError = error;
    // A notice about the server's return is not a directive whose mail waits.
    if (
      req &&
      req.kind !== 'mail-restored' &&
      !this.reported.has(req.runKey) &&
      this.reported.size + this.fresh.size < MAX_AFFECTED_RUNS
    ) {
      this.fresh.set(req.runKey, {
        runKey: req.runKey,
        ref: req.ref,
        subject: req.subject,
        officeName: req.officeName,
        officeEmails: req.replyTo,
      });
    }
    if (this.state !== 'down') {
      this.state = 'down';
      this.since = now;
      this.lastReportAt = now;
      this.opts.logger().warn(`Máy chủ thư không nhận thư (${error}); thư chờ được gửi lại tự động`, {
        taskQueue: this.opts.taskQueue,
        since: new Date(now).toISOString(),
      });
      this.report('down', { at: now, error, affected: this.takeFresh() });
    } else if (now - this.lastReportAt >= this.stillDownEveryMs) {
      this.lastReportAt = now;
      const minutes = Math.round((now - this.since) / 60_000);
      this.opts
        .logger()
        .warn(`Máy chủ thư vẫn không nhận thư sau ${minutes} phút (${error}); ${this.attempts} lần thử`, {
          taskQueue: this.opts.taskQueue,
          since: new Date(this.since).toISOString(),
        });
      this.report('down', { at: now, error, affected: this.takeFresh() });
    }
  }

  /** The server answered a whole transaction (a refused recipient included): it is up. */
  succeeded(): void {
    if (this.state === 'up') return;
    const now = this.now();
    const was = this.state;
    this.state = 'up';
    if (was === 'down') {
      const seconds = Math.round((now - this.since) / 1000);
      this.opts
        .logger()
        .warn(`Máy chủ thư hoạt động lại sau ${seconds} giây; ${this.attempts} lần gửi thất bại trong thời gian đó`, {
          taskQueue: this.opts.taskQueue,
        });
      this.report('up', { at: now, affected: this.takeFresh() });
    } else {
      // This process's first success: a record an earlier process left "down" learns otherwise. No record
      // is created for a server that never failed.
      this.report('up-if-recorded', { at: now, affected: [] });
    }
    this.since = now;
    this.attempts = 0;
    this.lastError = '';
    this.reported.clear();
  }

  /** Resolves when every report so far has reached Temporal (or failed to). */
  flush(): Promise<void> {
    return this.queue;
  }

  private takeFresh(): AffectedRun[] {
    const runs = [...this.fresh.values()];
    for (const r of runs) this.reported.add(r.runKey);
    this.fresh.clear();
    return runs;
  }

  /** Reports go out one at a time, in order, off the activity's path: a slow Temporal delays no send. */
  private report(kind: 'down' | 'up' | 'up-if-recorded', r: MailReport): void {
    const { client, taskQueue } = this.opts;
    const workflowId = mailHealthWorkflowId(taskQueue);
    this.queue = this.queue.then(async () => {
      try {
        if (kind === 'up-if-recorded') await client.workflow.getHandle(workflowId).signal(mailUpSignal, r);
        else
          await client.workflow.signalWithStart(mailHealth, {
            workflowId,
            taskQueue,
            args: [{}],
            signal: kind === 'down' ? mailDownSignal : mailUpSignal,
            signalArgs: [r],
          });
      } catch (e) {
        if (kind === 'up-if-recorded' && e instanceof WorkflowNotFoundError) return;
        this.opts
          .logger()
          .warn(`Không ghi được tình trạng máy chủ thư vào Temporal: ${(e as Error).message}`, { workflowId });
      }
    });
  }
}
