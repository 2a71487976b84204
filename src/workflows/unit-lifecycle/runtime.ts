import {
  ActivityFailure,
  ApplicationFailure,
  getExternalWorkflowHandle,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { MessageRequest } from '../../domain/messages';
import { UnitLifecycleState, newSnapshot, type Effects, type Mail, type MessageBody } from '../../domain/unit-state';
import { auditor } from '../audit';
import { historyIsLong } from '../continue-as-new';
import { calendarFrom } from '../../domain/unit-calendar';
import { messageBase } from '../message-base';
import { unitChangedSignal, unitRow } from '../unit-rows';
import { sendMessage } from '../send-options';
import type { LifecycleInput } from './api';

export function isRejected(e: unknown): e is ActivityFailure {
  return e instanceof ActivityFailure && e.cause instanceof ApplicationFailure && e.cause.type === 'RecipientRejected';
}

/**
 * What a lifecycle's handlers, dispatch and follow-up share: the unit's state machine, and the carrying
 * out of its effects (the row to the batch, the audit record, the mail). Every `await` here mirrors one of
 * the code before it, so old histories replay command for command.
 */
export class UnitRuntime {
  readonly st: UnitLifecycleState;
  readonly audit: ReturnType<typeof auditor>;
  /** Per-party message sequence, carried over continue-as-new. */
  seq: number;
  /** Bumped by every state change, so the follow-up loop recomputes its next timer. */
  changes = 0;
  /** Set by the follow-up when the history grew long: the lifecycle continues as new. */
  canRequested = false;

  constructor(readonly input: LifecycleInput) {
    const { ctx } = input;
    // A calendar the Office loaded mid-run travels in the snapshot, across continue-as-new.
    const cal = calendarFrom({ ...ctx.calendarOverride, ...input.snapshot?.calendarOverride });
    const rules = {
      policy: ctx.directive.policy,
      cal,
      officeName: ctx.office.name,
      hasDocument: !!ctx.directive.document,
    };
    this.st = new UnitLifecycleState(input.snapshot ?? newSnapshot(input.unit), rules);
    this.seq = input.seq ?? 0;
    this.audit = auditor(ctx.key, input.unit.code, input.auditSeq);
  }

  /**
   * A message to `party` (the unit's code, or "office", "head", …). Every party of this lifecycle carries
   * the unit's code: several units' lifecycles write to the Office, and their Message-IDs must not collide.
   */
  message(party: string, to: string[], body: MessageBody): MessageRequest {
    const code = this.st.party.code;
    const gen = this.st.view.linkGeneration;
    const base = messageBase(this.input.ctx, party === code ? party : `${code}~${party}`, to, this.seq++);
    return { ...base, ...(gen ? { linkGen: gen } : {}), ...body } as MessageRequest;
  }

  async publish(): Promise<void> {
    this.changes++;
    const s = this.st.view;
    if (this.input.ctx.searchAttributes) upsertSearchAttributes({ ChidaoStage: [s.stage], ChidaoOverdue: [s.overdue] });
    const row = unitRow(s, this.st.currentDeadline()?.at);
    try {
      await getExternalWorkflowHandle(this.input.batchWorkflowId).signal(unitChangedSignal, row);
    } catch {
      // A batch that has finished no longer needs rows; the unit's own state stays queryable.
    }
  }

  /** Sends to the unit; a permanent refusal is reported to the Office instead of failing the unit. */
  async toUnit(req: MessageRequest): Promise<boolean> {
    try {
      await sendMessage(req);
      return true;
    } catch (e) {
      if (!isRejected(e)) throw e;
      const office = this.input.ctx.office.emails;
      const notice = {
        kind: 'undeliverable',
        unit: this.st.party,
        addresses: req.to,
        error: e.cause?.message ?? '',
      } as const;
      await sendMessage(this.message('office', office, notice));
      return false;
    }
  }

  /** Sends an effect's mail: to the unit through toUnit, else straight to its addressee. */
  send({ to, body }: Mail): Promise<unknown> {
    if (to.kind === 'unit') return this.toUnit(this.message(this.st.party.code, this.st.emails, body));
    if (to.kind === 'person') return sendMessage(this.message(to.party, [to.email], body));
    return sendMessage(this.message('office', this.input.ctx.office.emails, body));
  }

  record(audit: Effects['audit']): void {
    if (audit) this.audit.record(audit.kind, audit.data, audit.actor);
  }

  /** An act's effects, in the order the lifecycle always had: row, audit, mail; then the update's answer. */
  async carryOut<T>(fx: Effects, answer: () => T): Promise<T> {
    await this.publish();
    this.record(fx.audit);
    if (fx.mail) await this.send(fx.mail);
    return answer();
  }

  checkContinueAsNew(): void {
    // Long-lived units (recurring reports over years) keep their history bounded.
    if (historyIsLong()) this.canRequested = true;
  }
}
