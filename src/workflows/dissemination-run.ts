import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/types';
import type { StageCounts } from '../domain/messages';
import type { OfficeInfo, RecipientInfo } from '../domain/plan';
import type { Correction, CorrectionInput } from '../domain/correction';
import type { Directive } from '../domain/directive';
import { RunBook, nextDigestAt, type InfoRecipient, type RunAudit, type RunState } from '../domain/run-state';
import { unitContext, calendarOf, type RunContext } from './context';
import { batchWorkflowId } from './ids';
import { batchFinishedSignal, broadcastStopSignal, unitBatch } from './unit-batch';
import { auditor } from './audit';
import { sendMessage } from './send-options';
import { messageBase } from './message-base';
import { historyIsLong } from './continue-as-new';
import { onUpdate } from './refusals';

export { MAX_RECIPIENTS_PER_UPDATE, type InfoRecipient, type RunState } from '../domain/run-state';

const { sendDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '5 minutes' },
});

/**
 * Digests every n working days once came every n calendar days (working days were taken for calendar
 * days). Runs of this patch wait for the n-th working day, at the start of office hours.
 */
export const DIGEST_WORKING_DAYS_PATCH = 'digest-working-days';

export interface RunInput {
  ctx: RunContext;
  expected: number;
  state?: RunState;
  /** Who started the run ("Name (login)"); absent in runs started before accounts. */
  startedBy?: string;
}

export interface RunStatus {
  key: string;
  office: OfficeInfo;
  ref: string;
  subject: string;
  /** Absent in answers of workers from before it was added. */
  urgency?: Directive['urgency'];
  expected: number;
  added: number;
  roster: string[];
  batches: { workflowId: string; size: number; finished: boolean }[];
  info: InfoRecipient[];
  stop?: RunState['stop'];
  startedAt: number;
  /** The reports the directive asks for, so pages can name the one a unit owes. */
  reports?: { id: string; title: string }[];
  /** Corrections and replacements issued (version 2 on). */
  corrections?: Correction[];
}

export interface RunSummary {
  ref: string;
  outcome: 'closed' | 'recalled';
  total: number;
  counts: StageCounts;
}

export const addRecipientsUpdate = defineUpdate<{ added: number; total: number }, [{ recipients: RecipientInfo[] }]>(
  'addRecipients',
);
export const closeUpdate = defineUpdate<void, [{ by: string; note: string }]>('close');
export const recallUpdate = defineUpdate<void, [{ by: string; reason: string }]>('recall');
/** A corrected or replacing document: the run keeps the version and tells its info recipients. */
export const correctUpdate = defineUpdate<Correction, [CorrectionInput & { by: string }]>('correct');
export const runStatusQuery = defineQuery<RunStatus>('runStatus');

/** What the run's handlers and its loop share. */
class RunRuntime {
  readonly book: RunBook;
  readonly audit: ReturnType<typeof auditor>;
  /** Info-only deliveries in the background: the run waits for them before it closes. */
  readonly deliveries: Promise<void>[] = [];
  /** Corrections to info recipients: awaited before continue-as-new too, as nothing in the state resumes them. */
  readonly correctionSends: Promise<void>[] = [];
  readonly me = workflowInfo().workflowId;

  constructor(readonly input: RunInput) {
    const st = input.state ?? RunBook.fresh(input.expected, Date.now());
    this.book = new RunBook(st, input.ctx.ref);
    this.audit = auditor(input.ctx.key, undefined, st.auditSeq);
  }

  // The envelope's sequence is taken even where a message pins its own (seq 0): the run's later
  // Message-IDs (digests) depend on it.
  base(party: string, to: string[]) {
    return messageBase(this.input.ctx, party, to, this.book.nextSeq());
  }

  /** seq = version: one message per version and party, so a replayed delivery keeps its Message-ID. */
  async tellCorrection(rec: InfoRecipient, c: Correction): Promise<void> {
    const { version, kind, changes, document } = c;
    const unit = { code: rec.code, name: rec.name };
    const body = { kind: 'correction' as const, unit, version, correctionKind: kind, changes, acknowledge: false };
    try {
      await sendMessage({
        ...this.base(rec.code, rec.emails),
        seq: version,
        ...body,
        ...(document ? { document } : {}),
      });
    } catch {
      // Refused permanently (550): as for the original, the recipient is not told.
    }
  }

  async deliverInfo(rec: InfoRecipient): Promise<void> {
    const { ctx } = this.input;
    const { code, name, role, purpose } = rec;
    try {
      // seq 0: one dispatch per party, so a resumed delivery keeps its Message-ID and the sent-log dedupes it.
      const body = {
        kind: 'dispatch' as const,
        unit: { code, name },
        role,
        purpose,
        directive: ctx.directive,
        reports: [],
      };
      await sendMessage({ ...this.base(rec.code, rec.emails), seq: 0, ...body });
      rec.delivered = true;
    } catch {
      // Refused permanently (550): the summary counts it as not informed.
    }
  }
}

/** The status query and addRecipients: registered before resumed deliveries, as they always were. */
function registerQueryAndAdd(rt: RunRuntime): void {
  const { ctx } = rt.input;
  const { book } = rt;
  setHandler(runStatusQuery, () => {
    const st = book.view;
    const batches = st.batches.map((b) => ({
      workflowId: batchWorkflowId(ctx.key, b.no),
      size: b.size,
      finished: !!b.finished,
    }));
    const reports = ctx.directive.policy.reports.map((r) => ({ id: r.id, title: r.title }));
    const { office, ref, key } = ctx;
    const roster = book.added;
    const stop = st.stop ? { stop: st.stop } : {};
    const added = { expected: st.expected, added: roster.length, roster, batches, info: st.info };
    const corrections = st.corrections ? { corrections: st.corrections } : {};
    const { subject, urgency } = ctx.directive;
    return { key, office, ref, subject, urgency, ...added, ...stop, startedAt: st.startedAt, reports, ...corrections };
  });
  onUpdate(
    addRecipientsUpdate,
    ({ recipients }) => addRecipients(rt, recipients),
    ({ recipients }) => book.checkAddRecipients(recipients),
  );
}

/** Batches' outcomes, close and recall. */
function registerStopHandlers(rt: RunRuntime): void {
  const { book } = rt;
  setHandler(batchFinishedSignal, ({ batchNo, counts, total }) => book.batchFinished(batchNo, counts, total));
  onUpdate(
    closeUpdate,
    ({ by, note }) => record(rt, book.close(by, note, Date.now())),
    ({ note }) => book.checkClose(note),
  );
  onUpdate(
    recallUpdate,
    ({ by, reason }) => record(rt, book.recall(by, reason, Date.now())),
    ({ reason }) => book.checkRecall(reason),
  );
  onUpdate(
    correctUpdate,
    ({ by, kind, changes, document }) => {
      const { correction, audit } = book.correct(by, { kind, changes, ...(document ? { document } : {}) }, Date.now());
      record(rt, audit);
      // Info recipients the original reached get the new version too, in the background like the original.
      for (const rec of book.view.info.filter((i) => i.delivered))
        rt.correctionSends.push(rt.tellCorrection(rec, correction));
      return correction;
    },
    (c) => book.checkCorrect(c),
  );
}

function record(rt: RunRuntime, act: RunAudit): void {
  rt.audit.record(act.kind, act.data, act.actor);
}

async function addRecipients(rt: RunRuntime, recipients: RecipientInfo[]): Promise<{ added: number; total: number }> {
  const { ctx } = rt.input;
  for (const chunk of rt.book.addRecipients(recipients, ctx.batchSize)) {
    const no = rt.book.openBatch(chunk.length);
    await startChild(unitBatch, {
      workflowId: batchWorkflowId(ctx.key, no),
      args: [{ ctx: unitContext(ctx), runWorkflowId: rt.me, batchNo: no, recipients: chunk }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Batches report back by signal, so the run can continue-as-new while they live on.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  }
  // Info-only deliveries run on in the background: the Office's update answers at once even while
  // SMTP is down, and the run waits for them before it closes.
  for (const rec of rt.book.addInfoRecipients(recipients)) rt.deliveries.push(rt.deliverInfo(rec));
  record(rt, rt.book.addedAudit(recipients));
  return { added: recipients.length, total: rt.book.added.length };
}

/** One dissemination run per directive: fans out to batches, takes the Office's operations, closes. */
export async function disseminationRun(input: RunInput): Promise<RunSummary> {
  const { ctx } = input;
  const rt = new RunRuntime(input);
  const { book, audit } = rt;
  // Handlers are registered in the order the run always had: a buffered update runs as its handler is set,
  // so the order decides the order of commands.
  registerQueryAndAdd(rt);
  // After continue-as-new, deliveries the previous run had not finished are resumed (same Message-ID).
  for (const rec of book.undelivered()) rt.deliveries.push(rt.deliverInfo(rec));
  registerStopHandlers(rt);
  if (!input.state) {
    const { ref, directive, office } = ctx;
    // The signed document's hash and the starter only when present: older histories replay unchanged.
    audit.record(
      'run-started',
      {
        ref,
        subject: directive.subject,
        expected: input.expected,
        office: office.code,
        ...(directive.document ? { document: directive.document } : {}),
      },
      input.startedBy ? { channel: 'office', by: input.startedBy } : undefined,
    );
  }

  // --- until the Office closes or recalls: digests, and continue-as-new to bound the history -------
  const every = ctx.directive.policy.digest?.every;
  // patched() only for working-day digests: other runs' histories keep their commands.
  const workingDays = every?.kind === 'working' && patched(DIGEST_WORKING_DAYS_PATCH);
  const cal = workingDays ? calendarOf(ctx) : undefined;
  const fixedMs = every && (every.kind === 'exact' ? every.ms : every.days * 86_400_000);
  while (!book.stop) {
    const digestMs = cal ? (nextDigestAt(every, Date.now(), cal) ?? Date.now()) - Date.now() : fixedMs;
    if (digestMs) {
      const stopped = await condition(() => !!book.stop, digestMs);
      if (!stopped) await sendDigest({ runWorkflowId: rt.me, seq: book.nextSeq() });
    } else {
      await condition(() => !!book.stop);
    }
    if (!book.stop && historyIsLong()) {
      await condition(allHandlersFinished);
      // A correction taken meanwhile adds sends: wait until none is left (none in runs without corrections).
      while (rt.correctionSends.length) {
        await Promise.all(rt.correctionSends.splice(0));
        await condition(allHandlersFinished);
      }
      if (audit.pending) await audit.flush();
      const state = book.carryOver(audit.seq);
      await continueAsNew<typeof disseminationRun>({ ctx, expected: state.expected, state });
    }
  }
  return finish(rt);
}

/** Stops every batch, waits for their outcomes, tells those above. */
async function finish(rt: RunRuntime): Promise<RunSummary> {
  const { ctx } = rt.input;
  const { book, audit } = rt;
  const stop = book.stop!;
  const signal = { stage: stop.stage, reason: stop.reason };
  await Promise.all(
    book.unfinishedBatches().map((no) =>
      getExternalWorkflowHandle(batchWorkflowId(ctx.key, no))
        .signal(broadcastStopSignal, signal)
        .catch(() => undefined),
    ),
  );
  await condition(() => book.allFinished);
  await Promise.all(rt.deliveries);
  await Promise.all(rt.correctionSends);
  await condition(allHandlersFinished);

  const { counts, total, to } = book.summary(stop.stage);
  const summaryTo = [...new Set([...ctx.office.emails, ...to])];
  await sendMessage({
    ...rt.base('summary', summaryTo),
    seq: 0,
    kind: 'summary',
    counts,
    total,
    outcome: stop.stage,
    note: stop.reason,
  });
  if (audit.pending) await audit.flush();
  return { ref: ctx.ref, outcome: stop.stage, total, counts };
}
