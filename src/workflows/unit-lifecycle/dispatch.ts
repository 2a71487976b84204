import { condition, patched } from '@temporalio/workflow';
import { sendMessage } from '../send-options';
import { ADDRESS_WAIT_PATCH, DISPATCH_OUTCOME_PATCH } from './api';
import { isRejected, type UnitRuntime } from './runtime';

/** Sends the directive until the unit has it, or the run stops; a refused unit waits for a corrected address. */
export async function deliver(rt: UnitRuntime): Promise<void> {
  const { st } = rt;
  const office = rt.input.ctx.office.emails;
  while (!st.stopped && !st.delivered) {
    // The addresses this attempt goes to, read before anything awaits: a correction that arrives while
    // the mail or the Office's notice is on its way is a change to act on, not the refused list.
    const to = st.emails;
    try {
      const ackDue = st.ackDeadlineFrom(Date.now());
      const sent = await sendMessage(rt.message(st.party.code, to, st.dispatchBody(ackDue, Date.now())));
      if (st.stopped && patched(DISPATCH_OUTCOME_PATCH)) {
        // Recalled or closed while the mail was on its way: the unit has it, so a recall must tell it.
        st.deliveredAfterStop(Date.now());
        break;
      }
      const rejected = sent?.rejected ?? [];
      // patched() only where the old code asked it: a marker elsewhere would be a new command.
      st.dispatched(Date.now(), ackDue, rejected.length && patched(DISPATCH_OUTCOME_PATCH) ? rejected : []);
      await rt.publish();
      if (st.view.rejectedAddresses?.length) {
        const { deliveryError = '' } = st.view;
        const notice = {
          kind: 'undeliverable',
          unit: st.party,
          addresses: rejected,
          accepted: sent.accepted,
          error: deliveryError,
        } as const;
        await sendMessage(rt.message('office', office, notice));
      }
    } catch (e) {
      if (!isRejected(e)) throw e;
      // A permanent refusal (550, malformed address): the Office is told and the unit waits for a
      // corrected address, which resumes delivery.
      st.undeliverable(e.cause?.message ?? 'địa chỉ bị từ chối');
      await rt.publish();
      const notice = {
        kind: 'undeliverable',
        unit: st.party,
        addresses: to,
        error: st.view.deliveryError ?? '',
      } as const;
      await sendMessage(rt.message('office', office, notice));
      const emails = patched(ADDRESS_WAIT_PATCH) ? to : st.emails;
      await condition(() => st.stopped || st.emails !== emails);
      st.redispatch();
    }
  }
}
