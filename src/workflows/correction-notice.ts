import type { Correction } from '../domain/correction';
import type { Party } from '../domain/messages';
import type { UnitContext } from './context';
import { messageBase } from './message-base';
import { sendMessage } from './send-options';
import { isRejected } from './unit-lifecycle/runtime';

/**
 * A correction for a unit whose follow-up has ended (done): its lifecycle is closed, so this short
 * workflow sends the new version once, under the id correctionNoticeWorkflowId (a second start is refused).
 */
const NOTICE_SEQ = 1_000_000;

export interface CorrectionNoticeInput {
  ctx: Pick<UnitContext, 'key' | 'ref' | 'office'> & {
    directive: Pick<UnitContext['directive'], 'subject' | 'urgency'>;
  };
  unit: Party & { emails: string[] };
  linkGen?: number;
  correction: Correction;
}

export async function correctionNotice(input: CorrectionNoticeInput): Promise<'sent' | 'refused'> {
  const { ctx, unit, correction: c } = input;
  // A sequence far above any lifecycle's: the unit's own messages of kind `correction` never share its Message-ID.
  const base = messageBase(ctx, unit.code, unit.emails, NOTICE_SEQ + c.version);
  const body = {
    kind: 'correction' as const,
    unit: { code: unit.code, name: unit.name },
    version: c.version,
    correctionKind: c.kind,
    changes: c.changes,
    // Its follow-up is over: nothing left to acknowledge.
    acknowledge: false,
    ...(c.document ? { document: c.document } : {}),
  };
  try {
    await sendMessage({ ...base, ...(input.linkGen ? { linkGen: input.linkGen } : {}), ...body });
    return 'sent';
  } catch (e) {
    if (!isRejected(e)) throw e;
    return 'refused';
  }
}
