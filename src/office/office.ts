import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { CalendarData } from '../domain/holidays-vn';
import type { DisseminationPlan } from '../domain/plan';
import type { Directive } from '../domain/directive';
import { fetchRunDirective } from '../client/run-directive';
import type { Actor, UnitBrief, UnitSnapshot } from '../domain/unit-state';
import { closeUpdate, recallUpdate, runStatusQuery, type RunStatus } from '../workflows/dissemination-run';
import { runWorkflowId, unitWorkflowId } from '../workflows/ids';
import type { UnitRow } from '../workflows/unit-rows';
import {
  acceptReportUpdate,
  acknowledgeUpdate,
  answerDifficultyUpdate,
  bounceUpdate,
  correctAddressUpdate,
  resendDispatchUpdate,
  markViewedUpdate,
  extendUpdate,
  raiseDifficultyUpdate,
  requestExtensionUpdate,
  returnReportUpdate,
  submitReportUpdate,
  unitStateQuery,
} from '../workflows/unit-lifecycle';
import { DuplicateRunError, startRun } from '../client/start-run';
import { readRunRows, readRunTable } from '../client/run-rows';
import { describeMailHealth, readMailHealth } from '../client/mail-health';
import { collectRun, exportRun, type AuditBundle } from '../audit/commands';
import { timeline, type TimelineEntry } from '../audit/timeline';
import { deadlineReasons, type DeadlineReasons } from './deadline-reasons';
import { applyCalendar, type CalendarChangeOutcome, type CalendarInput } from './calendar-change';
import type { AuditStore } from '../audit/store';
import { closedReason } from './closed-reason';
import { isNotFound, NOT_FOUND_MESSAGE, OfficeRefusal, refusalOfUpdate } from './refusal';
import * as acts from './acts';
import { parseInput, runKeySchema, unitCodeSchema } from './input';
import type { OfficeOptions, RunFilters, RunTable } from './office-types';
import { workItems, type WorkItem } from './work-queue';
import { issueCorrection, type CorrectionOutcome } from './correction';
import { listRuns, selectByVisibility, UNACKNOWLEDGED, type RunListing } from './visibility';
import { InboundLog, type InboundRecord } from '../inbound/inbound-log';
import { filterRuns, withCounts, type RunListFilters, type RunOverview } from './run-overview';
import { confirmInbound, dismissInbound } from './inbound';

export type { RunListing } from './visibility';

export type { OfficeOptions, RunFilters, RunTable } from './office-types';

/**
 * Every act the Office can take, whichever way it comes in (CLI, pages, demo, API): input parsed with
 * zod, workflows started and updated by reference, and every refusal typed (OfficeRefusal) with a
 * Vietnamese message. A finished workflow's "not found" is explained (recalled, closed, done).
 */
export class Office {
  private readonly now: () => number;
  constructor(
    readonly client: Client,
    private readonly opts: OfficeOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  static fromConfig(client: Client, cfg: Config, now?: () => number): Office {
    return new Office(client, {
      taskQueue: cfg.CHIDAO_TASK_QUEUE,
      searchAttributes: cfg.CHIDAO_SEARCH_ATTRIBUTES,
      batchSize: cfg.CHIDAO_BATCH_SIZE,
      dataDir: cfg.CHIDAO_DATA_DIR,
      ...(now ? { now } : {}),
    });
  }

  // --- runs -------------------------------------------------------------------------------------------

  /** Starts the run of a plan (or completes one that stopped halfway through adding recipients). */
  async start(
    plan: DisseminationPlan,
    o: {
      calendarOverride?: CalendarData;
      onProgress?: (added: number, total: number) => void;
      startedBy?: string;
    } = {},
  ): Promise<{ workflowId: string; resumed: boolean }> {
    try {
      return await startRun(this.client, plan, { ...this.opts, ...o });
    } catch (e) {
      if (e instanceof DuplicateRunError) throw new OfficeRefusal('DuplicateRun', e.message);
      throw e;
    }
  }

  /** The run's whole directive, from its first event: no worker needs to answer. */
  directive(runKey: string): Promise<Directive> {
    return fetchRunDirective(this.client, parseInput(runKeySchema, runKey));
  }

  /** What waits on the follow-up officers across the running runs (at most `limit` runs), oldest first. */
  async workQueue(limit = 50): Promise<WorkItem[]> {
    const running = (await this.listRuns()).filter((r) => r.status === 'RUNNING').slice(0, limit);
    return workItems(await Promise.all(running.map(async (run) => ({ run, rows: (await this.table(run.key)).rows }))));
  }

  /** Whether a run of this key was ever started: a number is used once a year. */
  async exists(runKey: string): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(runWorkflowId(runKey)).describe();
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** The runs Temporal's visibility knows, newest first. */
  async listRuns(limit = 200): Promise<RunListing[]> {
    return listRuns(this.client, limit);
  }

  /**
   * The run list the Office reads: filtered by year, state and text, the first runs with their counts;
   * and the years there are runs of, newest first, to filter by.
   */
  async runOverview(f: RunListFilters = {}, limit = 200): Promise<{ runs: RunOverview[]; years: string[] }> {
    const all = await listRuns(this.client, 1000);
    const years = [...new Set(all.map((r) => r.key.slice(0, 4)))].sort().reverse();
    return { runs: await withCounts(this.client, filterRuns(all, f).slice(0, limit)), years };
  }

  /** The run's table (from visibility when no worker answers) and the mail server's health. */
  async table(runKey: string): Promise<RunTable> {
    const key = this.runKey(runKey);
    const [t, mail] = await Promise.all([
      this.explained(key, undefined, () => readRunTable(this.client, key)),
      readMailHealth(this.client, this.opts.taskQueue),
    ]);
    const mailNotice = describeMailHealth(mail, this.now());
    return { ...t, ...(mail ? { mail } : {}), ...(mailNotice ? { mailNotice } : {}) };
  }

  /** Every unit's row from the workflows, and those the filters select (visibility queries when on). */
  async rows(runKey: string, f: RunFilters = {}, read?: { status: RunStatus; rows: UnitRow[] }) {
    const key = this.runKey(runKey);
    const { status, rows } =
      read ?? (await this.explained(key, undefined, () => readRunRows(this.client, runWorkflowId(key))));
    const selected = this.opts.searchAttributes
      ? await selectByVisibility(this.client, key, status.ref, f.filter)
      : undefined;
    const shown = rows.filter(
      (r) =>
        (!f.filter ||
          (selected ? selected.has(r.code) : f.filter === 'overdue' ? r.overdue : UNACKNOWLEDGED.includes(r.stage))) &&
        (!f.province || r.province === f.province) &&
        (!f.region || r.region === f.region),
    );
    return { status, rows, shown };
  }

  async recall(input: z.input<typeof acts.recall>): Promise<void> {
    const i = parseInput(acts.recall, input);
    await this.explained(i.key, undefined, () =>
      this.client.workflow
        .getHandle(runWorkflowId(i.key))
        .executeUpdate(recallUpdate, { args: [{ by: i.by, reason: i.reason }] }),
    );
  }

  async close(input: z.input<typeof acts.close>): Promise<void> {
    const i = parseInput(acts.close, input);
    await this.explained(i.key, undefined, () =>
      this.client.workflow
        .getHandle(runWorkflowId(i.key))
        .executeUpdate(closeUpdate, { args: [{ by: i.by, note: i.note }] }),
    );
  }

  /** Đính chính / thay thế: a new version of a running directive, given to every unit (see correction.ts). */
  async correct(input: z.input<typeof acts.correct>): Promise<CorrectionOutcome> {
    const { key, by, kind, changes, document } = parseInput(acts.correct, input);
    const o = { key, by, taskQueue: this.opts.taskQueue, input: { kind, changes, ...(document ? { document } : {}) } };
    return this.explained(key, undefined, () => issueCorrection(this.client, o));
  }

  /** An issued version again, to the units it has not reached yet (each takes a version once). */
  async resendCorrection(runKey: string, version: number, by: string): Promise<CorrectionOutcome> {
    const key = this.runKey(runKey);
    const o = { key, by, taskQueue: this.opts.taskQueue, resend: version };
    return this.explained(key, undefined, () => issueCorrection(this.client, o));
  }

  /** Histories and audit records of a run, to a folder that outlives Temporal's retention. */
  async exportAudit(
    store: AuditStore,
    runKey: string,
    folder: string,
  ): Promise<{ histories: number; records: number; digests: number }> {
    const key = this.runKey(runKey);
    return exportRun(this.client, store, key, folder);
  }

  /** A new calendar for the running lifecycles of one run, or of every run (see calendar-change.ts). */
  async applyCalendar(input: CalendarInput & { runKey?: string | undefined }): Promise<CalendarChangeOutcome> {
    const runKey = input.runKey === undefined ? undefined : this.runKey(input.runKey);
    return applyCalendar(this.client, { ...input, ...(runKey ? { runKey } : {}) });
  }

  /** Everything an auditor checks of a run, read live: its histories, audit records and signed digests. */
  async auditBundle(store: AuditStore, runKey: string): Promise<AuditBundle> {
    const key = this.runKey(runKey);
    return this.explained(key, undefined, () => collectRun(this.client, store, key));
  }

  // --- one unit -----------------------------------------------------------------------------------------

  /** The run's status (its workflow's query): subject, reports, whether it was stopped. */
  async run(runKey: string): Promise<RunStatus> {
    const key = this.runKey(runKey);
    return this.explained(key, undefined, () =>
      this.client.workflow.getHandle(runWorkflowId(key)).query(runStatusQuery),
    );
  }

  async unit(runKey: string, code: string): Promise<UnitSnapshot> {
    const { key, unit } = this.unitRef(runKey, code);
    return this.explained(key, unit, () =>
      this.client.workflow.getHandle(unitWorkflowId(key, unit)).query(unitStateQuery),
    );
  }

  /** A unit's state, its timeline read from its workflow history, and why its deadlines fall when they do. */
  async unitWithTimeline(
    runKey: string,
    code: string,
  ): Promise<{ state: UnitSnapshot; timeline: TimelineEntry[]; why: DeadlineReasons }> {
    const { key, unit } = this.unitRef(runKey, code);
    const h = this.client.workflow.getHandle(unitWorkflowId(key, unit));
    const [state, history] = await this.explained(key, unit, () =>
      Promise.all([h.query(unitStateQuery), h.fetchHistory()]),
    );
    const named = { workflowId: unitWorkflowId(key, unit), history };
    return { state, timeline: timeline([named]), why: deadlineReasons(state, named) };
  }

  acknowledge(input: z.input<typeof acts.acknowledge>): Promise<UnitBrief> {
    const i = parseInput(acts.acknowledge, input);
    return this.onUnit(i, (h) => h.executeUpdate(acknowledgeUpdate, { args: [i.by as Actor] }));
  }

  /** The first time a unit opens its page or the document; later views are refused and ignored. */
  async markViewed(input: z.input<typeof acts.viewed>): Promise<void> {
    const i = parseInput(acts.viewed, input);
    // Only a document view carries its flag: page views send what they always sent.
    const args: [Actor, { document: true }?] = i.document ? [i.by as Actor, { document: true }] : [i.by as Actor];
    await this.onUnit(i, (h) => h.executeUpdate(markViewedUpdate, { args })).catch((e: unknown) => {
      if (!(e instanceof OfficeRefusal)) throw e;
    });
  }

  report(input: z.input<typeof acts.report>): Promise<UnitBrief> {
    const i = parseInput(acts.report, input);
    const file = i.file ? { fileName: i.file.fileName, sha256: i.file.sha256 } : {};
    return this.onUnit(i, (h) =>
      h.executeUpdate(submitReportUpdate, { args: [{ by: i.by as Actor, text: i.text, ...file }] }),
    );
  }

  /** A DSN read from the Office's mailbox; the same addresses reported twice are refused (AlreadyRefused). */
  bounce(input: z.input<typeof acts.bounce>): Promise<UnitBrief> {
    const { key, unit, by, ...b } = parseInput(acts.bounce, input);
    return this.onUnit({ key, unit }, (h) => h.executeUpdate(bounceUpdate, { args: [{ by: by as Actor, ...b }] }));
  }

  raiseDifficulty(input: z.input<typeof acts.raiseDifficulty>): Promise<{ id: number }> {
    const i = parseInput(acts.raiseDifficulty, input);
    return this.onUnit(i, (h) =>
      h.executeUpdate(raiseDifficultyUpdate, { args: [{ by: i.by as Actor, text: i.text }] }),
    );
  }

  requestExtension(input: z.input<typeof acts.requestExtension>): Promise<UnitBrief> {
    const i = parseInput(acts.requestExtension, input);
    return this.onUnit(i, (h) =>
      h.executeUpdate(requestExtensionUpdate, { args: [{ by: i.by as Actor, until: i.until, reason: i.reason }] }),
    );
  }

  accept(input: z.input<typeof acts.accept>): Promise<UnitBrief> {
    const i = parseInput(acts.accept, input);
    return this.onUnit(i, (h) => h.executeUpdate(acceptReportUpdate, { args: [{ by: i.by }] }));
  }

  returnReport(input: z.input<typeof acts.returnReport>): Promise<UnitBrief> {
    const i = parseInput(acts.returnReport, input);
    return this.onUnit(i, (h) =>
      h.executeUpdate(returnReportUpdate, { args: [{ by: i.by, reason: i.reason, due: i.due }] }),
    );
  }

  extend(input: z.input<typeof acts.extend>): Promise<UnitBrief> {
    const i = parseInput(acts.extend, input);
    return this.onUnit(i, (h) =>
      h.executeUpdate(extendUpdate, { args: [{ by: i.by, until: i.until, reason: i.reason }] }),
    );
  }

  answer(input: z.input<typeof acts.answer>): Promise<UnitBrief> {
    const i = parseInput(acts.answer, input);
    return this.onUnit(i, (h) =>
      h.executeUpdate(answerDifficultyUpdate, { args: [{ by: i.by, id: i.id, text: i.text }] }),
    );
  }

  correctAddress(input: z.input<typeof acts.correctAddress>): Promise<UnitBrief> {
    const i = parseInput(acts.correctAddress, input);
    return this.onUnit(i, (h) => h.executeUpdate(correctAddressUpdate, { args: [{ by: i.by, emails: i.emails }] }));
  }

  /** The dispatch again, to the unit's addresses as they are, for a unit that says it never got it. */
  resendDispatch(input: z.input<typeof acts.resendDispatch>): Promise<UnitBrief> {
    const i = parseInput(acts.resendDispatch, input);
    return this.onUnit(i, (h) => h.executeUpdate(resendDispatchUpdate, { args: [{ by: i.by }] }));
  }

  // --- the Office's mailbox ---------------------------------------------------------------------------

  /** What the mailbox reader did with each message, newest first; those left to the Office are `open`. */
  inbound(): InboundRecord[] {
    return this.inboundLog().list();
  }

  confirmInbound(messageId: string, by: string): Promise<InboundRecord> {
    return confirmInbound(this, this.inboundLog(), this.opts.dataDir!, messageId, by);
  }

  dismissInbound(messageId: string, by: string): InboundRecord {
    return dismissInbound(this.inboundLog(), messageId, by);
  }

  private inboundLog(): InboundLog {
    if (!this.opts.dataDir) throw new Error('Office: no data directory for the inbound log');
    return new InboundLog(this.opts.dataDir);
  }

  // --- plumbing ---------------------------------------------------------------------------------------

  private runKey(runKey: string): string {
    return parseInput(z.object({ key: runKeySchema }), { key: runKey }).key;
  }

  private unitRef(runKey: string, code: string): { key: string; unit: string } {
    return parseInput(z.object({ key: runKeySchema, unit: unitCodeSchema }), { key: runKey, unit: code });
  }

  private onUnit<T>(
    i: { key: string; unit: string },
    act: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<T>,
  ) {
    return this.explained(i.key, i.unit, () => act(this.client.workflow.getHandle(unitWorkflowId(i.key, i.unit))));
  }

  /**
   * Runs a call on a run or unit; a validator's refusal keeps its type, and a workflow that finished
   * (Temporal says "not found") is explained in words (recalled, closed, done) when it can be.
   */
  private async explained<T>(key: string, unit: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      const refusal = refusalOfUpdate(e);
      if (refusal) throw refusal;
      if (!isNotFound(e)) throw e;
      throw (await closedReason(this.client, key, unit)) ?? new OfficeRefusal('NotFound', NOT_FOUND_MESSAGE);
    }
  }
}
