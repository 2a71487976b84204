import {
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { StageCounts } from '../domain/messages';
import type { OfficeInfo, RecipientInfo } from '../domain/plan';
import { unitContext, type RunContext } from './context';
import { batchWorkflowId } from './ids';
import { batchFinishedSignal, broadcastStopSignal, unitBatch } from './unit-batch';
import { auditor } from './audit';
import { SEND_RETRY } from './send-options';
import { LIMITS } from '../domain/unit-state';

const { sendMessage } = proxyActivities<ReturnType<typeof createActivities>>({
  // One SMTP transaction; a worker that dies mid-send is noticed this soon.
  startToCloseTimeout: '30 seconds',
  retry: SEND_RETRY,
});
const { sendDigest } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '5 minutes' },
});

/** Most units one addRecipients call may carry: keeps each update's payload far below 2 MB. */
export const MAX_RECIPIENTS_PER_UPDATE = 500;

/** Those who receive the directive and the summary but no deadline: few, so the run keeps them. */
export interface InfoRecipient {
  code: string;
  name: string;
  emails: string[];
  role: RecipientInfo['role'];
  purpose: string;
  delivered: boolean;
}

export interface RunState {
  expected: number;
  /** Unit codes already in the run: a unit is added once. */
  roster: string[];
  batches: { no: number; size: number; finished?: { counts: StageCounts; total: number } }[];
  info: InfoRecipient[];
  /** Per-party message sequences of the messages the run sends itself. */
  seq: number;
  auditSeq?: number;
  stop?: { stage: 'recalled' | 'closed'; reason: string; by: string; at: number };
  startedAt: number;
}

export interface RunInput {
  ctx: RunContext;
  expected: number;
  state?: RunState;
}

export interface RunStatus {
  key: string;
  office: OfficeInfo;
  ref: string;
  subject: string;
  expected: number;
  added: number;
  roster: string[];
  batches: { workflowId: string; size: number; finished: boolean }[];
  info: InfoRecipient[];
  stop?: RunState['stop'];
  startedAt: number;
  /** The reports the directive asks for, so pages can name the one a unit owes. */
  reports?: { id: string; title: string }[];
}

export interface RunSummary {
  ref: string;
  outcome: 'closed' | 'recalled';
  total: number;
  counts: StageCounts;
}

export const addRecipientsUpdate = defineUpdate<{ added: number; total: number }, [{ recipients: RecipientInfo[] }]>('addRecipients');
export const closeUpdate = defineUpdate<void, [{ by: string; note: string }]>('close');
export const recallUpdate = defineUpdate<void, [{ by: string; reason: string }]>('recall');
export const runStatusQuery = defineQuery<RunStatus>('runStatus');

const refuse = (type: string, message: string) => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
};

/** One dissemination run per directive: fans out to batches, takes the Office's operations, closes. */
export async function disseminationRun(input: RunInput): Promise<RunSummary> {
  const { ctx } = input;
  const me = workflowInfo().workflowId;
  const st: RunState = input.state ?? { expected: input.expected, roster: [], batches: [], info: [], seq: 0, startedAt: Date.now() };
  const roster = new Set(st.roster);
  let changes = 0;
  const audit = auditor(ctx.key, undefined, st.auditSeq);
  const officeActor = (by: string) => ({ channel: 'office', by });

  const base = (party: string, to: string[]) => ({
    runKey: ctx.key,
    ref: ctx.ref,
    subject: ctx.directive.subject,
    party,
    seq: st.seq++,
    to,
    replyTo: ctx.office.emails,
    officeName: ctx.office.name,
    eventId: workflowInfo().historyLength,
  });

  setHandler(runStatusQuery, () => ({
    key: ctx.key,
    office: ctx.office,
    ref: ctx.ref,
    subject: ctx.directive.subject,
    expected: st.expected,
    added: roster.size,
    roster: [...roster],
    batches: st.batches.map((b) => ({ workflowId: batchWorkflowId(ctx.key, b.no), size: b.size, finished: !!b.finished })),
    info: st.info,
    ...(st.stop ? { stop: st.stop } : {}),
    startedAt: st.startedAt,
    reports: ctx.directive.policy.reports.map((r) => ({ id: r.id, title: r.title })),
  }));

  setHandler(
    addRecipientsUpdate,
    async ({ recipients }) => {
      for (const r of recipients) roster.add(r.code);
      st.roster = [...roster];
      st.expected = Math.max(st.expected, roster.size);
      const implementers = recipients.filter((r) => r.role === 'implement');
      for (let i = 0; i < implementers.length; i += ctx.batchSize) {
        const chunk = implementers.slice(i, i + ctx.batchSize);
        const no = st.batches.length;
        st.batches.push({ no, size: chunk.length });
        await startChild(unitBatch, {
          workflowId: batchWorkflowId(ctx.key, no),
          args: [{ ctx: unitContext(ctx), runWorkflowId: me, batchNo: no, recipients: chunk }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          // Batches report back by signal, so the run can continue-as-new while they live on.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      }
      // Info-only deliveries run on in the background: the Office's update answers at once even while
      // SMTP is down, and the run waits for them before it closes.
      for (const r of recipients.filter((x) => x.role !== 'implement')) {
        const rec: InfoRecipient = { code: r.code, name: r.name, emails: r.emails, role: r.role, purpose: r.purpose, delivered: false };
        st.info.push(rec);
        deliveries.push(deliverInfo(rec));
      }
      changes++;
      audit.record('recipients-added', { codes: recipients.map((r) => r.code), roles: recipients.map((r) => r.role), total: roster.size });
      return { added: recipients.length, total: roster.size };
    },
    {
      validator: ({ recipients }: { recipients: RecipientInfo[] }) => {
        if (st.stop) refuse(st.stop.stage === 'recalled' ? 'DirectiveRecalled' : 'RunClosed', `Đợt gửi ${ctx.ref} đã ${st.stop.stage === 'recalled' ? 'bị thu hồi' : 'kết thúc'}; không thể thêm nơi nhận.`);
        if (recipients.length === 0) refuse('NoRecipients', 'Không có nơi nhận nào để thêm.');
        if (recipients.length > MAX_RECIPIENTS_PER_UPDATE) refuse('TooMany', `Mỗi lần thêm tối đa ${MAX_RECIPIENTS_PER_UPDATE} nơi nhận.`);
        const dup = recipients.find((r) => roster.has(r.code));
        if (dup) refuse('AlreadyAdded', `Đơn vị "${dup.code}" đã có trong đợt gửi ${ctx.ref}.`);
      },
    },
  );

  const deliveries: Promise<void>[] = [];
  async function deliverInfo(rec: InfoRecipient): Promise<void> {
    try {
      // seq 0: one dispatch per party, so a resumed delivery keeps its Message-ID and the sent-log dedupes it.
      await sendMessage({ ...base(rec.code, rec.emails), seq: 0, kind: 'dispatch', unit: { code: rec.code, name: rec.name }, role: rec.role, purpose: rec.purpose, directive: ctx.directive, reports: [] });
      rec.delivered = true;
    } catch {
      // Refused permanently (550): the summary counts it as not informed.
    }
  }
  // After continue-as-new, deliveries the previous run had not finished are resumed (same Message-ID).
  for (const rec of st.info.filter((i) => !i.delivered)) deliveries.push(deliverInfo(rec));

  setHandler(batchFinishedSignal, ({ batchNo, counts, total }) => {
    const b = st.batches.find((x) => x.no === batchNo);
    if (b) b.finished = { counts, total };
    changes++;
  });

  const stopValidator = () => {
    if (st.stop) refuse(st.stop.stage === 'recalled' ? 'DirectiveRecalled' : 'RunClosed', `Đợt gửi ${ctx.ref} đã ${st.stop.stage === 'recalled' ? 'bị thu hồi' : 'kết thúc'}.`);
  };
  setHandler(closeUpdate, ({ by, note }) => {
    st.stop = { stage: 'closed', reason: note, by, at: Date.now() };
    audit.record('closed', { note }, officeActor(by));
  }, {
    validator: (c: { by: string; note: string }) => {
      stopValidator();
      if (typeof c.note !== 'string' || c.note.length > LIMITS.reason) refuse('TooLong', `Ghi chú dài quá ${LIMITS.reason} ký tự.`);
    },
  });
  setHandler(recallUpdate, ({ by, reason }) => {
    st.stop = { stage: 'recalled', reason, by, at: Date.now() };
    audit.record('recalled', { reason }, officeActor(by));
  }, {
    validator: (r: { by: string; reason: string }) => {
      stopValidator();
      if (!r.reason.trim()) refuse('EmptyText', 'Cần nêu lý do thu hồi.');
      if (r.reason.length > LIMITS.reason) refuse('TooLong', `Lý do thu hồi dài quá ${LIMITS.reason} ký tự.`);
    },
  });

  if (!input.state) audit.record('run-started', { ref: ctx.ref, subject: ctx.directive.subject, expected: input.expected, office: ctx.office.code });

  // --- until the Office closes or recalls: digests, and continue-as-new to bound the history -------
  const digestEvery = ctx.directive.policy.digest?.every;
  const digestMs = digestEvery && (digestEvery.kind === 'exact' ? digestEvery.ms : digestEvery.days * 86_400_000);
  while (!st.stop) {
    if (digestMs) {
      const stopped = await condition(() => !!st.stop, digestMs);
      if (!stopped) await sendDigest({ runWorkflowId: me, seq: st.seq++ });
    } else {
      await condition(() => !!st.stop);
    }
    if (!st.stop && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5000)) {
      await condition(allHandlersFinished);
      if (audit.pending) await audit.flush();
      st.roster = [...roster];
      st.auditSeq = audit.seq;
      await continueAsNew<typeof disseminationRun>({ ctx, expected: st.expected, state: st });
    }
  }

  // --- stop every batch, wait for their outcomes, tell those above --------------------------------
  const stop = st.stop;
  await Promise.all(
    st.batches
      .filter((b) => !b.finished)
      .map((b) => getExternalWorkflowHandle(batchWorkflowId(ctx.key, b.no)).signal(broadcastStopSignal, { stage: stop.stage, reason: stop.reason }).catch(() => undefined)),
  );
  await condition(() => st.batches.every((b) => b.finished));
  await Promise.all(deliveries);
  await condition(allHandlersFinished);

  const counts: StageCounts = {};
  let total = 0;
  for (const b of st.batches) {
    total += b.finished!.total;
    for (const [k, v] of Object.entries(b.finished!.counts)) counts[k as keyof StageCounts] = (counts[k as keyof StageCounts] ?? 0) + (v ?? 0);
  }
  counts.informed = st.info.filter((i) => i.delivered).length;

  const summaryTo = [...ctx.office.emails, ...st.info.filter((i) => stop.stage === 'recalled' || i.role === 'report' || i.role === 'inform' || i.role === 'coordinate').flatMap((i) => i.emails)];
  await sendMessage({ ...base('summary', [...new Set(summaryTo)]), seq: 0, kind: 'summary', counts, total, outcome: stop.stage, note: stop.reason });
  if (audit.pending) await audit.flush();
  return { ref: ctx.ref, outcome: stop.stage, total, counts };
}
