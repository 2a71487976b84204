import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../src/domain/calendar';
import { directiveSchema } from '../../src/domain/directive';
import { formatDuration, parseDuration } from '../../src/domain/duration';
import { explainEscalation, explainReminder } from '../../src/domain/explain';
import { followUpSchedule } from '../../src/domain/follow-up';
import { buildPlan } from '../../src/domain/plan';
import { policySchema } from '../../src/domain/policy';
import { inOfficeHours } from '../../src/domain/schedule';
import {
  BUILT_IN_URGENCY_POLICIES,
  DEFAULT_URGENCY_POLICIES,
  resolvePolicy,
  URGENCY_PRIORITY,
  urgencyPolicies,
} from '../../src/domain/urgency-policies';
import { vnDateTime } from '../../src/domain/vn-format';
import { renderPlan } from '../../src/cli/render';
import { loadUrgencyPolicies } from '../../src/files/load';
import { InvalidInputError } from '../../src/domain/errors';
import { smallRegistry } from '../helpers/fixtures';

const cal = new WorkingCalendar();
const at = (s: string) => Date.parse(`${s}+07:00`);
const HOUR = 3_600_000;

describe('durations in hours and minutes', () => {
  it.each([
    ['2 giờ', 2 * HOUR, '2 giờ'],
    ['1 hour', HOUR, '1 giờ'],
    ['30 phút', 30 * 60_000, '30 phút'],
    ['PT90M', 90 * 60_000, '1 giờ 30 phút'],
    ['PT45S', 45_000, '45 giây'],
    ['P1D', 24 * HOUR, '24 giờ'],
  ])('"%s" is %d ms, written "%s"', (text, ms, words) => {
    const d = parseDuration(text);
    expect(d).toEqual({ kind: 'exact', ms });
    expect(formatDuration(d)).toBe(words);
  });

  it('a period in hours that is not a number is refused with examples', () => {
    expect(() => parseDuration('hai giờ')).toThrow(/không hiểu khoảng thời gian "hai giờ".*"2 giờ"/);
  });
});

describe('office hours (giờ hành chính)', () => {
  it.each([
    ['in hours on a working day: unchanged', '2023-11-24T16:59:00', '2023-11-24T16:59:00'],
    ['before 08:00: that morning', '2023-11-23T06:30:00', '2023-11-23T08:00:00'],
    ['at 17:00 on a Friday: Monday 08:00', '2023-11-24T17:00:00', '2023-11-27T08:00:00'],
    ['on a Saturday: Monday 08:00', '2023-11-25T10:00:00', '2023-11-27T08:00:00'],
    ['on 30/4 (a day off): the next working day', '2024-04-30T09:00:00', '2024-05-02T08:00:00'],
    ['on a make-up Saturday: that morning counts', '2024-05-04T07:00:00', '2024-05-04T08:00:00'],
    ['the evening before the 27/4–1/5 break: after it', '2024-04-26T20:00:00', '2024-05-02T08:00:00'],
  ])('%s', (_, from, want) => {
    expect(vnDateTime(inOfficeHours(at(from), cal))).toBe(vnDateTime(at(want)));
  });

  const policy = (officeHours: boolean) =>
    policySchema.parse({
      reminders: ['PT20H', 'PT2H'],
      escalation: [{ after: 'PT2H', notify: 'head' }],
      officeHours,
    });
  // The deadline: 24:00 of Friday 24/11/2023, i.e. 00:00 Saturday.
  const deadline = at('2023-11-25T00:00:00');

  it('holds reminders and escalations to office hours, and drops a reminder held past the deadline', () => {
    const items = followUpSchedule('u', deadline, at('2023-11-22T09:00:00'), policy(true), cal);
    expect(items.map((i) => [i.kind, vnDateTime(i.at)])).toEqual([
      // 20 hours before is 04:00 Friday: held to 08:00 Friday.
      ['reminder', vnDateTime(at('2023-11-24T08:00:00'))],
      // The overdue mark is the deadline itself: never moved.
      ['overdue', vnDateTime(deadline)],
      // 2 hours after is 02:00 Saturday: held to Monday 08:00.
      ['escalation', vnDateTime(at('2023-11-27T08:00:00'))],
    ]);
    // The 2-hour reminder (22:00 Friday) would go out after the deadline once held: it is left out.
    expect(items.filter((i) => i.kind === 'reminder')).toHaveLength(1);
  });

  it('without office hours the same policy follows up round the clock', () => {
    const items = followUpSchedule('u', deadline, at('2023-11-22T09:00:00'), policy(false), cal);
    expect(items.map((i) => vnDateTime(i.at))).toEqual(
      ['2023-11-24T04:00:00', '2023-11-24T22:00:00', '2023-11-25T00:00:00', '2023-11-25T02:00:00'].map((s) =>
        vnDateTime(at(s)),
      ),
    );
  });

  it('explains a held date with its reason', () => {
    expect(explainReminder(deadline, parseDuration('PT20H'), cal, true)).toBe(
      `20 giờ trước hạn → ${vnDateTime(at('2023-11-24T04:00:00'))} (ngoài giờ hành chính nên dời sang ${vnDateTime(at('2023-11-24T08:00:00'))})`,
    );
    expect(explainEscalation(deadline, parseDuration('PT2H'), cal, true)).toBe(
      `quá hạn 2 giờ → ${vnDateTime(at('2023-11-25T02:00:00'))} (ngoài giờ hành chính nên dời sang ${vnDateTime(at('2023-11-27T08:00:00'))})`,
    );
    // A date already in office hours says nothing more.
    expect(explainReminder(deadline, parseDuration('1 ngày làm việc'), cal, true)).not.toContain('ngoài giờ');
  });
});

const directive = (extra: Record<string, unknown>) =>
  directiveSchema.parse({
    number: 4432,
    symbol: 'TCTHADS-VP',
    issuer: { name: 'Tổng cục Thi hành án dân sự', code: 'TCTHADS' },
    office: 'VP',
    place: 'Hà Nội',
    date: '2023-11-22',
    subject: 'V/v thử độ khẩn',
    tasks: [{ no: 1, text: 'Việc.' }],
    signer: { title: 'Phó Tổng cục trưởng', name: 'Nguyễn Văn Sơn' },
    contact: { unit: 'Văn phòng' },
    recipients: [{ group: 'tinh', purpose: 'Như trên' }],
    ...extra,
  });

describe('urgency decides the follow-up a directive leaves out', () => {
  const now = at('2023-11-22T09:00:00');

  it('an ordinary directive keeps the working-day policy, in office hours', () => {
    const p = resolvePolicy('thuong', undefined, DEFAULT_URGENCY_POLICIES);
    expect(p).toEqual({ ...policySchema.parse({}), officeHours: true });
  });

  it('hỏa tốc: acknowledgement within 1 hour, a reminder at 30 minutes, straight to the leader, round the clock', () => {
    const p = resolvePolicy('hoa-toc', undefined, DEFAULT_URGENCY_POLICIES);
    expect(p.acknowledge.due).toEqual({ within: { kind: 'exact', ms: HOUR } });
    expect(p.reminders).toEqual([{ kind: 'exact', ms: 30 * 60_000 }]);
    expect(p.escalation.map((e) => e.notify)).toEqual(['leader', 'office']);
    expect(p.officeHours).toBe(false);
    // Each urgency is faster than the one below it: its acknowledgement is due sooner.
    const ackMs = (u: 'thuong' | 'khan' | 'thuong-khan' | 'hoa-toc') => {
      const plan = buildPlan(directive({ urgency: u }), smallRegistry(1), { now, calendar: cal }).plan!;
      return plan.directive.policy.acknowledge.due;
    };
    expect(ackMs('khan')).toEqual({ within: { kind: 'exact', ms: 4 * HOUR } });
    expect(ackMs('thuong-khan')).toEqual({ within: { kind: 'exact', ms: 2 * HOUR } });
    expect(ackMs('thuong')).toEqual({ within: { kind: 'working', days: 1 } });
  });

  it('what a directive writes wins, field by field; the rest comes from its urgency', () => {
    const plan = buildPlan(directive({ urgency: 'hoa-toc', policy: { reminders: [] } }), smallRegistry(1), {
      now,
      calendar: cal,
    }).plan!;
    expect(plan.directive.policy.reminders).toEqual([]);
    expect(plan.directive.policy.acknowledge.due).toEqual({ within: { kind: 'exact', ms: HOUR } });
    expect(plan.directive.policy.escalation[0]!.notify).toBe('leader');
  });

  it("an administrator's table replaces the fields it names for the urgencies it names", () => {
    const table = urgencyPolicies({ khan: { reminders: [{ kind: 'exact', ms: 2 * HOUR }] } });
    expect(table.khan.reminders).toEqual([{ kind: 'exact', ms: 2 * HOUR }]);
    expect(table.khan.acknowledge).toEqual(DEFAULT_URGENCY_POLICIES.khan.acknowledge);
    expect(table['hoa-toc']).toEqual(DEFAULT_URGENCY_POLICIES['hoa-toc']);
    const plan = buildPlan(directive({ urgency: 'khan' }), smallRegistry(1), { now, calendar: cal, policies: table });
    expect(plan.plan!.directive.policy.reminders).toEqual([{ kind: 'exact', ms: 2 * HOUR }]);
  });

  it('every built-in policy parses, and only the two most urgent go ahead on the task queue', () => {
    for (const p of Object.values(BUILT_IN_URGENCY_POLICIES)) expect(() => policySchema.parse(p)).not.toThrow();
    expect(URGENCY_PRIORITY).toEqual({ thuong: undefined, khan: undefined, 'thuong-khan': 2, 'hoa-toc': 1 });
  });

  it('the dry run names the urgency and whether follow-up keeps to office hours', () => {
    const plan = buildPlan(directive({ urgency: 'hoa-toc' }), smallRegistry(1), { now, calendar: cal }).plan!;
    const text = renderPlan(plan, now, cal);
    expect(text).toContain('Độ khẩn: Hỏa tốc. Nhắc và đôn đốc gửi cả ngoài giờ hành chính.');
    expect(text).toContain(`    nhắc: 30 phút trước hạn → ${vnDateTime(now + 30 * 60_000)}`);
    expect(text).toContain(`    đôn đốc (leader): quá hạn 30 phút → ${vnDateTime(now + 90 * 60_000)}`);
    const ordinary = buildPlan(directive({}), smallRegistry(1), { now, calendar: cal }).plan!;
    expect(renderPlan(ordinary, now, cal)).toContain(
      'Độ khẩn: Thường. Nhắc và đôn đốc chỉ gửi trong giờ hành chính (08:00–17:00 ngày làm việc).',
    );
  });
});

describe('limits on a written policy', () => {
  it.each([
    ['reports', 21, { id: 'kq', title: 'Báo cáo', due: '10 ngày' }],
    ['reminders', 501, '1 giờ'],
    ['escalation', 21, { after: '1 giờ', notify: 'head' }],
  ] as const)('refuses more than the limit of %s (%d)', (field, n, item) => {
    const r = directiveSchema.safeParse({
      ...directive({}),
      policy: { [field]: Array.from({ length: n }, () => item) },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['policy', field]);
    const ok = directiveSchema.safeParse({
      ...directive({}),
      policy: { [field]: Array.from({ length: n - 1 }, () => item) },
    });
    expect(ok.success, JSON.stringify(ok.error?.issues[0])).toBe(true);
  });
});

describe("the administrator's policy file (CHIDAO_POLICY_FILE)", () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'chidao-policy-')), 'chinh-sach.yaml');
    writeFileSync(path, text);
    return path;
  };

  it('loads the fields it writes over the built-in table', () => {
    const table = loadUrgencyPolicies(file('khan:\n  acknowledge:\n    due: 8 giờ\n  officeHours: true\n'));
    expect(table.khan.acknowledge.due).toEqual({ within: { kind: 'exact', ms: 8 * HOUR } });
    expect(DEFAULT_URGENCY_POLICIES.khan.officeHours).toBe(false);
    expect(table.khan.officeHours).toBe(true);
    expect(table.khan.reminders).toEqual(DEFAULT_URGENCY_POLICIES.khan.reminders);
  });

  it('the example in examples/ loads, and changes only what it writes', () => {
    const table = loadUrgencyPolicies('examples/urgency-policies.yaml');
    expect(table.khan.acknowledge.due).toEqual({ within: { kind: 'exact', ms: 8 * HOUR } });
    expect(table.khan.escalation).toEqual(DEFAULT_URGENCY_POLICIES.khan.escalation);
    expect(table['hoa-toc'].escalation.map((e) => e.after)).toEqual([
      { kind: 'exact', ms: 15 * 60_000 },
      { kind: 'exact', ms: HOUR },
    ]);
    expect(table.thuong).toEqual(DEFAULT_URGENCY_POLICIES.thuong);
  });

  it('refuses a file over 1 MiB before reading it as YAML', () => {
    const path = file(`# ${'x'.repeat(1024 * 1024)}\nkhan:\n  officeHours: true\n`);
    expect(() => loadUrgencyPolicies(path)).toThrow(InvalidInputError);
    expect(() => loadUrgencyPolicies(path)).toThrow(/tệp chính sách theo độ khẩn.*1 MiB/);
  });

  it.each([
    ['an unknown urgency', 'hoa_toc:\n  reminders: []\n', 1, /hoa_toc.*hoa-toc/],
    ['a misspelt key', 'khan:\n  reminder: ["1 giờ"]\n', 2, /reminder.*reminders/],
    ['a period it cannot read', 'khan:\n  reminders:\n    - một giờ\n', 3, /không hiểu khoảng thời gian "một giờ"/],
  ])('refuses %s with its line', (_, text, line, message) => {
    const path = file(text);
    let err: unknown;
    try {
      loadUrgencyPolicies(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    const issue = (err as InvalidInputError).issues[0]!;
    expect(issue.file).toBe(path);
    expect(issue.line).toBe(line);
    expect(issue.message).toMatch(message);
  });
});
