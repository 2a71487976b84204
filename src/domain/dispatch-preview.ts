import { directiveKey, directiveRef } from './directive';
import { explainHeld } from './explain';
import type { MessageRequest } from './messages';
import type { DisseminationPlan } from './plan';
import { reportDeadline, resolveDeadline } from './schedule';
import type { WorkingCalendar } from './calendar';

/**
 * The dispatch the first implementing unit would get if the run started at `now`: the same request a
 * lifecycle builds (deadlines, why they fall there), for the Office to read before anything is sent.
 */
export function previewDispatch(plan: DisseminationPlan, now: number, cal: WorkingCalendar): MessageRequest {
  const d = plan.directive;
  const unit = plan.recipients.find((r) => r.role === 'implement') ?? plan.recipients[0]!;
  const implement = unit.role === 'implement';
  const ackDeadline = resolveDeadline(d.policy.acknowledge.due, now, cal);
  return {
    kind: 'dispatch',
    runKey: directiveKey(d),
    ref: directiveRef(d),
    subject: d.subject,
    party: unit.code,
    seq: 0,
    to: unit.emails,
    replyTo: plan.office.emails,
    officeName: plan.office.name,
    unit: { code: unit.code, name: unit.name },
    role: unit.role,
    purpose: unit.purpose,
    directive: d,
    ...(implement ? { ackDeadline, ackWhy: explainHeld(d.policy.acknowledge.due, now, ackDeadline, cal) } : {}),
    reports: implement
      ? d.policy.reports.map((r) => {
          const due = reportDeadline(r, 0, now, cal);
          return { title: r.title, due, why: explainHeld(r.due, now, due, cal) };
        })
      : [],
  };
}
