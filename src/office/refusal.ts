import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

/**
 * Why the Office service refused an act. Input refusals are ours (checked before Temporal is asked);
 * the rest come from the workflows' validators (their ApplicationFailure type is kept) or from a
 * workflow that no longer takes acts.
 */
export type RefusalType =
  /** No such run or unit. */
  | 'NotFound'
  /** A required field is empty. */
  | 'Missing'
  /** A field over its limit (LIMITS). */
  | 'TooLong'
  /** A field that does not parse: a deadline, an address, a run key, a unit code, a number. */
  | 'Invalid'
  /** The directive was already started. */
  | 'DuplicateRun'
  /** The run was recalled; the unit's follow-up is over. */
  | 'DirectiveRecalled'
  /** The run was closed. */
  | 'RunClosed'
  /** The unit's follow-up finished. */
  | 'UnitDone'
  /** Any other refusal by a workflow's validator (its own type, e.g. 'AlreadyAcknowledged'). */
  | (string & {});

/** A typed refusal with a Vietnamese message a clerk can act on; every way in shows it its own way. */
export class OfficeRefusal extends Error {
  override readonly name = 'OfficeRefusal';
  /** The input field at fault, for input refusals. */
  readonly field?: string | undefined;
  /** The problem without the field's label (for a door that names the field its own way). */
  readonly detail?: string | undefined;
  /** Who refused: our input rules, a workflow's validator, or a workflow that has finished. */
  readonly origin: 'input' | 'validator' | 'finished';

  constructor(
    readonly type: RefusalType,
    message: string,
    o: { field?: string | undefined; detail?: string | undefined; origin?: OfficeRefusal['origin'] } = {},
  ) {
    super(message);
    this.field = o.field;
    this.detail = o.detail;
    this.origin = o.origin ?? 'finished';
  }

  /** Refusals about what was typed (the form comes back with it), as opposed to the state of the run. */
  get isInput(): boolean {
    return this.type === 'Missing' || this.type === 'TooLong' || this.type === 'Invalid';
  }
}

export const isNotFound = (e: unknown): boolean =>
  e instanceof WorkflowNotFoundError || (e as Error | undefined)?.name === 'WorkflowNotFoundError';

/** A validator's refusal as an OfficeRefusal of the same type; undefined for anything else. */
export function refusalOfUpdate(e: unknown): OfficeRefusal | undefined {
  if (e instanceof OfficeRefusal) return e;
  if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure)
    return new OfficeRefusal(e.cause.type ?? 'Refused', e.cause.message, { origin: 'validator' });
  return undefined;
}

export const NOT_FOUND_MESSAGE = 'Không tìm thấy đợt gửi hoặc đơn vị này (kiểm tra khóa văn bản và mã đơn vị).';
