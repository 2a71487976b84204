import { SecretDocumentError } from './errors';
import { CONFIDENTIALITY_LABEL, directiveRef, type Directive, type DirectiveInput } from './directive';
import { DEFAULT_URGENCY_POLICIES, resolvePolicy, type UrgencyPolicies } from './urgency-policies';
import type { Person, Registry, Unit } from './registry';
import { roleFromPurpose, strongerRole, type Role } from './roles';
import { resolveDeadline, type DeadlineSpec } from './schedule';
import type { WorkingCalendar } from './calendar';

/** What a lifecycle needs to know of its unit: small, so 10,000 of them fit in batches. */
export interface RecipientInfo {
  code: string;
  name: string;
  emails: string[];
  role: Role;
  purpose: string;
  head?: Person;
  leader?: Person;
  province?: string;
  region?: string;
}

export interface OfficeInfo {
  code: string;
  name: string;
  emails: string[];
}

export interface DisseminationPlan {
  directive: Directive;
  office: OfficeInfo;
  recipients: RecipientInfo[];
  /** The registry version the recipients were taken from; escalation asks it again when a step fires. */
  registry?: RegistryRef;
}

export interface RegistryRef {
  id: string;
  effective: string;
}

/** Problems found while resolving recipients; located by the caller against the directive file. */
export interface PlanIssue {
  path: (string | number)[];
  message: string;
}

export function toRecipient(u: Unit, role: Role, purpose: string): RecipientInfo {
  const r: RecipientInfo = { code: u.code, name: u.name, emails: u.emails, role, purpose };
  if (u.head) r.head = u.head;
  if (u.leader) r.leader = u.leader;
  if (u.province) r.province = u.province;
  if (u.region) r.region = u.region;
  return r;
}

export interface PlanOptions {
  now: number;
  calendar: WorkingCalendar;
  /** The follow-up per urgency for what a directive leaves out; the built-in table when absent. */
  policies?: UrgencyPolicies;
}

/**
 * Resolves a directive's recipients against a registry and checks what a schema cannot: unknown units
 * and groups, no implementing recipient, deadlines already past, secret documents. Its policy is what it
 * wrote, completed by its urgency's defaults.
 */
export function buildPlan(
  input: DirectiveInput,
  registry: Registry,
  opts: PlanOptions,
): { plan?: DisseminationPlan; issues: PlanIssue[] } {
  const directive: Directive = {
    ...input,
    policy: resolvePolicy(input.urgency, input.policy, opts.policies ?? DEFAULT_URGENCY_POLICIES),
  };
  if (directive.confidentiality !== 'thuong') {
    throw new SecretDocumentError(
      `văn bản ${directiveRef(directive)} có độ mật "${CONFIDENTIALITY_LABEL[directive.confidentiality]}": văn bản mật không được gửi qua thư điện tử thông thường (Luật Bảo vệ bí mật nhà nước). Hãy chuyển bằng đường bảo mật.`,
    );
  }
  const issues: PlanIssue[] = [];
  const byCode = new Map(registry.units.map((u) => [u.code.toUpperCase(), u]));
  const groups = new Set(registry.groups.map((g) => g.code));
  const chosen = new Map<string, RecipientInfo>();

  const office = byCode.get(directive.office.toUpperCase());
  if (!office)
    issues.push({
      path: ['office'],
      message: `đơn vị soạn thảo không có trong danh mục "${registry.id}": "${directive.office}"`,
    });

  directive.recipients.forEach((ref, i) => {
    const purpose = ref.purpose ?? '';
    const role = ref.role ?? roleFromPurpose(purpose);
    if (!role) {
      issues.push({
        path: ['recipients', i, 'purpose'],
        message: `không xác định được vai trò từ "${purpose}"; ghi thêm role`,
      });
      return;
    }
    let units: Unit[] = [];
    if (ref.unit !== undefined) {
      const u = byCode.get(ref.unit.toUpperCase());
      if (!u)
        issues.push({
          path: ['recipients', i, 'unit'],
          message: `không có đơn vị "${ref.unit}" trong danh mục "${registry.id}"`,
        });
      else units = [u];
    } else if (ref.group !== undefined) {
      if (!groups.has(ref.group))
        issues.push({
          path: ['recipients', i, 'group'],
          message: `không có nhóm "${ref.group}" trong danh mục "${registry.id}"`,
        });
      else {
        units = registry.units.filter((u) => u.groups.includes(ref.group!));
        if (!units.length)
          issues.push({ path: ['recipients', i, 'group'], message: `nhóm "${ref.group}" không có đơn vị nào` });
      }
    }
    for (const u of units) {
      const prev = chosen.get(u.code);
      const r = toRecipient(
        u,
        prev ? strongerRole(prev.role, role) : role,
        prev && prev.role !== role && strongerRole(prev.role, role) === prev.role ? prev.purpose : purpose,
      );
      chosen.set(u.code, r);
    }
  });

  const recipients = [...chosen.values()];
  if (!issues.length && !recipients.some((r) => r.role === 'implement'))
    issues.push({ path: ['recipients'], message: 'văn bản không có đơn vị nào có vai trò thực hiện (implement)' });

  const deadlines: [(string | number)[], DeadlineSpec][] = [
    [['policy', 'acknowledge', 'due'], directive.policy.acknowledge.due],
    ...directive.policy.reports.map((r, i): [(string | number)[], DeadlineSpec] => [
      ['policy', 'reports', i, 'due'],
      r.due,
    ]),
  ];
  for (const [path, spec] of deadlines) {
    if ('within' in spec) continue;
    const at = resolveDeadline(spec, opts.now, opts.calendar);
    if (at <= opts.now) issues.push({ path, message: 'hạn đã qua' });
  }

  if (issues.length || !office) return { issues };
  return {
    issues,
    plan: {
      directive,
      office: { code: office.code, name: office.name, emails: office.emails },
      recipients,
      registry: { id: registry.id, effective: registry.effective },
    },
  };
}
