import { workflowInfo } from '@temporalio/workflow';
import type { UnitContext } from './context';

/**
 * The envelope of every message a workflow sends: run, party and sequence make its Message-ID; the
 * history's length is the audit record's event id (left out where old code left it out).
 */
export function messageBase(
  ctx: Pick<UnitContext, 'key' | 'ref' | 'office'> & { directive: { subject: string } },
  party: string,
  to: string[],
  seq: number,
  withEventId = true,
) {
  return {
    runKey: ctx.key,
    ref: ctx.ref,
    subject: ctx.directive.subject,
    party,
    seq,
    to,
    replyTo: ctx.office.emails,
    officeName: ctx.office.name,
    ...(withEventId ? { eventId: workflowInfo().historyLength } : {}),
  };
}
