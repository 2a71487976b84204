import { URGENCIES } from './directive';
import { policySchema, type Policy, type PolicyInput } from './policy';

export type Urgency = (typeof URGENCIES)[number];

/** What each urgency's follow-up is when a directive leaves it out; an administrator's file may change it. */
export type UrgencyPolicies = Record<Urgency, Policy>;

/**
 * The defaults, written as an Office writes them. Ordinary directives count in working days and follow
 * up in office hours only; the urgent ones count in hours, round the clock, and escalate sooner: hỏa tốc
 * goes straight to the leader, then to the Office.
 */
export const BUILT_IN_URGENCY_POLICIES: Record<Urgency, unknown> = {
  thuong: {
    officeHours: true,
  },
  khan: {
    acknowledge: { due: '4 giờ' },
    reminders: ['1 giờ'],
    escalation: [
      { after: '2 giờ', notify: 'head' },
      { after: '1 ngày làm việc', notify: 'leader' },
      { after: '2 ngày làm việc', notify: 'office' },
    ],
    // Counted in hours round the clock: held to office hours, an afternoon dispatch would get no reminder.
    officeHours: false,
  },
  'thuong-khan': {
    acknowledge: { due: '2 giờ' },
    reminders: ['1 giờ'],
    escalation: [
      { after: '1 giờ', notify: 'leader' },
      { after: '4 giờ', notify: 'office' },
    ],
    officeHours: false,
  },
  'hoa-toc': {
    acknowledge: { due: '1 giờ' },
    reminders: ['30 phút'],
    escalation: [
      { after: '30 phút', notify: 'leader' },
      { after: '2 giờ', notify: 'office' },
    ],
    officeHours: false,
  },
};

/** Parses a table of policies per urgency; an urgency left out keeps its built-in policy. */
export function urgencyPolicies(overrides: Partial<Record<Urgency, PolicyInput>> = {}): UrgencyPolicies {
  const table = {} as UrgencyPolicies;
  for (const u of URGENCIES)
    table[u] = { ...policySchema.parse(BUILT_IN_URGENCY_POLICIES[u]), ...defined(overrides[u]) };
  return table;
}

export const DEFAULT_URGENCY_POLICIES: UrgencyPolicies = urgencyPolicies();

/** A directive's policy: what it wrote, and for every field it left out, its urgency's default. */
export function resolvePolicy(urgency: Urgency, written: PolicyInput | undefined, table: UrgencyPolicies): Policy {
  return { ...table[urgency], ...defined(written) };
}

/** "Hỏa tốc" goes ahead of everything else on the task queue (Temporal priority: 1 first, 3 by default). */
export const URGENCY_PRIORITY: Record<Urgency, number | undefined> = {
  thuong: undefined,
  khan: undefined,
  'thuong-khan': 2,
  'hoa-toc': 1,
};

function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
