import { workflowInfo } from '@temporalio/workflow';
import type { UnitContext } from './context';
import type { Urgency } from '../domain/urgency-policies';

/**
 * The envelope of every message a workflow sends: run, party and sequence make its Message-ID; the
 * history's length is the audit record's event id (left out where old code left it out).
 */
export function messageBase(
  ctx: Pick<UnitContext, 'key' | 'ref' | 'office'> & { directive: { subject: string; urgency?: Urgency } },
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
    // Data only, no new command: histories recorded before it replay the same.
    ...(ctx.directive.urgency && ctx.directive.urgency !== 'thuong' ? { urgency: ctx.directive.urgency } : {}),
    ...(withEventId ? { eventId: workflowInfo().historyLength } : {}),
  };
}
