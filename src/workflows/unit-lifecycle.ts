import { allHandlersFinished, condition, continueAsNew, patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { UnitOutcome } from '../domain/unit-state';
import { LEAN_START_PATCH, type LifecycleInput } from './unit-lifecycle/api';
import { deliver } from './unit-lifecycle/dispatch';
import { followUp } from './unit-lifecycle/follow-up';
import { registerHandlers } from './unit-lifecycle/handlers';
import { UnitRuntime } from './unit-lifecycle/runtime';

// Messages, inputs and patch names live in ./unit-lifecycle/api.ts; callers import them from here.
export * from './unit-lifecycle/api';

/** The follow-up of one implementing unit, from dispatch to done. */
export async function unitLifecycle(input: LifecycleInput): Promise<UnitOutcome> {
  const { ctx } = input;
  const rt = new UnitRuntime(input);
  const { st, audit } = rt;
  registerHandlers(rt);

  // Since this patch the batch seeds the unit's row and its search attributes when it starts the
  // lifecycle: the first signal, the workflow task its completion costs, and an upsert are saved.
  if (!input.snapshot && !patched(LEAN_START_PATCH)) {
    if (ctx.searchAttributes) upsertSearchAttributes({ ChidaoDirective: [ctx.ref], ChidaoUnit: [st.party.code] });
    await rt.publish();
  }

  await deliver(rt);
  await Promise.race([followUp(rt), condition(() => rt.canRequested)]);
  await condition(allHandlersFinished);
  if (rt.canRequested && !st.stopped) {
    st.pruneFiredKeys();
    if (audit.pending) await audit.flush();
    await continueAsNew<typeof unitLifecycle>({ ...input, snapshot: st.view, seq: rt.seq, auditSeq: audit.seq });
  }
  const reason = st.recallNotice;
  if (reason !== undefined) await rt.send({ to: { kind: 'unit' }, body: { kind: 'recall', unit: st.party, reason } });
  await rt.publish();
  if (audit.pending) await audit.flush();
  return st.outcome();
}
