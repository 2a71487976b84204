import { condition, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/types';
import { ESCALATION_CONTACTS_PATCH } from './api';
import type { FollowUpStep } from '../../domain/unit-state';
import type { UnitRuntime } from './runtime';

// A read of the data folder: seconds at most; retried like any activity if the worker dies.
const { contactsInEffect } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

/** Reminders, overdue and escalation against the current deadline, until the unit is done or stopped. */
export async function followUp(rt: UnitRuntime): Promise<void> {
  const { st } = rt;
  while (!st.stopped) {
    const seen = rt.changes;
    const next = st.nextFollowUp();
    if (!next) {
      await condition(() => rt.changes !== seen);
      continue;
    }
    // Any change (an acknowledgement, an extension) re-plans: the timer moves with the deadline.
    const changed = await condition(() => rt.changes !== seen, Math.max(1, next.item.at - Date.now()));
    if (changed) continue;
    await fire(rt, next);
    rt.checkContinueAsNew();
  }
}

// Kept a function of its own: its await depth is part of the command order old histories recorded.
async function fire(rt: UnitRuntime, step: FollowUpStep): Promise<void> {
  const registry = rt.input.ctx.registry;
  const who = step.item.step?.notify;
  // patched() only on this path, for runs that recorded their registry: other histories keep their commands.
  if (registry && (who === 'head' || who === 'leader') && patched(ESCALATION_CONTACTS_PATCH)) {
    const contacts = await contactsInEffect({ registry: registry.id, unit: rt.st.party.code });
    if (contacts) rt.st.refreshContacts(contacts);
    // While the activity ran the unit may have acknowledged, been recalled or extended: this step is then
    // no longer the one due, and the loop plans again.
    if (rt.st.stopped || rt.st.nextFollowUp()?.item.key !== step.item.key) return;
  }
  const fx = rt.st.followUp(step, Date.now());
  if (fx.mail) await rt.send(fx.mail);
  await rt.publish();
}
