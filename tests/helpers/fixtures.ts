import { directiveKey, directiveSchema } from '../../src/domain/directive';
import { registrySchema } from '../../src/domain/registry';
import { buildPlan, type DisseminationPlan } from '../../src/domain/plan';
import { WorkingCalendar } from '../../src/domain/calendar';

let counter = 0;
/** A directive number no other test uses, so run keys (and mailbox filters) never collide. */
// Random over 90 million per last digit: files on the shared mail server must not reuse a key (a 1-in-80,000
// bucket collided once in CI, and two runs' mail mixed).
export const uniqueNumber = () => 100_000_000 + Math.floor(Math.random() * 90_000_000) * 10 + (counter++ % 10);

export const smallRegistry = (units = 3) =>
  registrySchema.parse({
    id: 'test',
    name: 'Danh mục thử',
    effective: '2023-01-01',
    groups: [{ code: 'tinh', name: 'Các tỉnh' }],
    units: [
      { code: 'VP', name: 'Văn phòng Tổng cục', emails: ['vp@thads.example'] },
      { code: 'TCT', name: 'Tổng Cục trưởng', emails: ['tct@thads.example'] },
      ...Array.from({ length: units }, (_, i) => ({
        code: `T${i + 1}`,
        name: `Cục THADS tỉnh Thử ${i + 1}`,
        emails: [`t${i + 1}@thads.example`],
        head: { name: `Cục trưởng ${i + 1}`, title: 'Cục trưởng', email: `head${i + 1}@thads.example` },
        leader: { name: 'Phó Tổng cục trưởng', title: 'Phó Tổng cục trưởng', email: `leader${i + 1}@thads.example` },
        province: `Tỉnh ${i + 1}`,
        groups: ['tinh'],
      })),
    ],
  });

export function testPlan(
  opts: {
    policy?: Record<string, unknown>;
    urgency?: string;
    units?: number;
    date?: string;
    now?: number;
    registry?: ReturnType<typeof smallRegistry>;
  } = {},
): DisseminationPlan & { key: string } {
  const directive = directiveSchema.parse({
    number: uniqueNumber(),
    symbol: 'TCTHADS-VP',
    issuer: { name: 'Tổng cục Thi hành án dân sự', code: 'TCTHADS' },
    office: 'VP',
    place: 'Hà Nội',
    date: opts.date ?? '2023-11-22',
    subject: 'V/v hướng dẫn, đôn đốc triển khai thi hành Luật thực hiện dân chủ ở cơ sở',
    ...(opts.urgency ? { urgency: opts.urgency } : {}),
    tasks: [{ no: 1, text: 'Tập trung đẩy mạnh công tác quán triệt, tuyên truyền <Luật> & "Nghị định".' }],
    signer: {
      authority: 'KT.',
      authorityTitle: 'Tổng Cục trưởng',
      title: 'Phó Tổng cục trưởng',
      name: 'Nguyễn Văn Sơn',
    },
    contact: { unit: 'Văn phòng Tổng cục', phone: '024.62739596' },
    recipients: [
      { group: 'tinh', purpose: 'Như trên' },
      { unit: 'TCT', purpose: 'để b/c' },
    ],
    // Tests count in seconds round the clock; office hours have their own tests.
    policy: { officeHours: false, ...opts.policy },
  });
  const { plan, issues } = buildPlan(directive, opts.registry ?? smallRegistry(opts.units), {
    now: opts.now ?? Date.now(),
    calendar: new WorkingCalendar(),
  });
  if (!plan) throw new Error(JSON.stringify(issues));
  return { ...plan, key: directiveKey(directive) };
}
