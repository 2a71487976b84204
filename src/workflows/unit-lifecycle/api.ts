import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeadlineSpec } from '../../domain/schedule';
import type { CalendarData } from '../../domain/holidays-vn';
import type { RecipientInfo } from '../../domain/plan';
import type { Actor, UnitBrief, UnitSnapshot } from '../../domain/unit-state';
import type { UnitContext } from '../context';
import type { Correction } from '../../domain/correction';
import type { Bounce } from '../../domain/unit-bounce';
import type { ViewedWhat } from '../../domain/unit-views';

export type { UnitOutcome } from '../../domain/unit-state';

export interface LifecycleInput {
  ctx: UnitContext;
  unit: RecipientInfo;
  batchWorkflowId: string;
  /** Carried over continue-as-new. */
  snapshot?: UnitSnapshot;
  seq?: number;
  auditSeq?: number;
}

// --- messages: updates answer at once with a yes or a reason ---------------------------------
// Updates answer with a brief (stage and deadlines), never the whole state: a unit's reports and
// difficulties must not be able to push an answer past Temporal's payload limit.
export type ReportArgs = { by: Actor; text: string; fileName?: string; sha256?: string; obligation?: string };
export const acknowledgeUpdate = defineUpdate<UnitBrief, [Actor]>('acknowledge');
export const submitReportUpdate = defineUpdate<UnitBrief, [ReportArgs]>('submitReport');
export const acceptReportUpdate = defineUpdate<UnitBrief, [{ by: string }]>('acceptReport');
export const returnReportUpdate = defineUpdate<UnitBrief, [{ by: string; reason: string; due: DeadlineSpec }]>(
  'returnReport',
);
export const extendUpdate = defineUpdate<UnitBrief, [{ by: string; until: DeadlineSpec; reason: string }]>('extend');
export const requestExtensionUpdate = defineUpdate<UnitBrief, [{ by: Actor; until: DeadlineSpec; reason: string }]>(
  'requestExtension',
);
export const raiseDifficultyUpdate = defineUpdate<{ id: number }, [{ by: Actor; text: string }]>('raiseDifficulty');
export const answerDifficultyUpdate = defineUpdate<UnitBrief, [{ by: string; id: number; text: string }]>(
  'answerDifficulty',
);
export const correctAddressUpdate = defineUpdate<UnitBrief, [{ by: string; emails: string[] }]>('correctAddress');
/** The dispatch sent again to the unit's addresses (it says it never received it). */
export const resendDispatchUpdate = defineUpdate<UnitBrief, [{ by: string }]>('resendDispatch');
/** A new calendar (years replacing the built-in ones): answers whether a date of this unit moved. */
export const changeCalendarUpdate = defineUpdate<
  { moved: number; affected: boolean; brief: UnitBrief },
  [{ by: string; calendar: CalendarData; source: string }]
>('changeCalendar');
/** A corrected or replacing document (version 2 on), sent by the Office to each unit still followed. */
export const receiveCorrectionUpdate = defineUpdate<UnitBrief, [Correction]>('receiveCorrection');
/** The unit opened its page or the document through its link for the first time. */
/** The unit's page, or (with `{ document: true }`) the signed document, first opened through its link. */
export const markViewedUpdate = defineUpdate<UnitBrief, [Actor, ViewedWhat?]>('markViewed');
/** A delivery status notification (5.x.x) read from the Office's mailbox names addresses of this unit. */
export const bounceUpdate = defineUpdate<UnitBrief, [Bounce & { by: Actor }]>('bounce');
export const stopSignal = defineSignal<[{ stage: 'recalled' | 'closed'; reason: string }]>('stop');
export const unitStateQuery = defineQuery<UnitSnapshot>('unitState');

/**
 * Lifecycles from before this patch published a row and upserted their search attributes before
 * dispatch; their batches now do both at start. Old histories keep the old path.
 */
export const LEAN_START_PATCH = 'lean-start';

/**
 * A dispatch that returns after a recall no longer resumes the follow-up, and a dispatch that some of
 * the unit's addresses refused is reported to the Office. Both add commands on paths older code took
 * differently.
 */
export const DISPATCH_OUTCOME_PATCH = 'dispatch-outcome';

/**
 * A refused unit waits for a change from the addresses that were refused, not from those it holds once
 * the Office has been told.
 */
export const ADDRESS_WAIT_PATCH = 'address-wait';

/**
 * An escalation to the head or leader first reads who they are in the registry version in effect (an
 * activity), so a person replaced since the run started is not the one chased. Only runs that recorded
 * their registry take the new path.
 */
export const ESCALATION_CONTACTS_PATCH = 'escalation-contacts';
