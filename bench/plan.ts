import { loadDirective } from '../src/files/load';
import { registrySchema } from '../src/domain/registry';
import { buildPlan, type DisseminationPlan } from '../src/domain/plan';
import { WorkingCalendar } from '../src/domain/calendar';
import { policySchema } from '../src/domain/policy';
import { directiveKey, type Directive } from '../src/domain/directive';

/** The seed directive to N generated units, with long deadlines (the bench measures sending). */
const { directive: seed } = loadDirective('examples/4432-TCTHADS-VP.yaml');
let serial = 0;
export function benchPlan(n: number, urgency: Directive['urgency'] = 'thuong'): DisseminationPlan & { key: string } {
  const registry = registrySchema.parse({
    id: `bench-${n}`,
    name: `Danh mục ${n} đơn vị`,
    effective: '2023-01-01',
    groups: [{ code: 'all', name: 'Tất cả' }],
    units: [
      { code: 'VP', name: 'Văn phòng Tổng cục', emails: ['vp@thads.example'] },
      ...Array.from({ length: n }, (_, i) => ({
        code: `U${String(i + 1).padStart(5, '0')}`,
        name: `Đơn vị thử ${i + 1}`,
        emails: [`u${i + 1}@bench.example`],
        head: { name: `Thủ trưởng ${i + 1}`, title: 'Thủ trưởng', email: `head${i + 1}@bench.example` },
        province: `Tỉnh ${(i % 63) + 1}`,
        groups: ['all'],
      })),
    ],
  });
  const directive = {
    ...seed,
    number: 900_000 + ++serial * 1000 + (Date.now() % 1000),
    urgency,
    recipients: [{ group: 'all', purpose: 'Như trên' }],
    // Long deadlines: the units stay open (as in real life), and no reminder fires during the bench.
    policy: policySchema.parse({
      acknowledge: { due: 'P30D' },
      reports: [{ id: 'ket-qua', title: 'Báo cáo kết quả', due: 'P60D' }],
      reminders: [],
      escalation: [],
    }),
  };
  const { plan, issues } = buildPlan(directive, registry, { now: Date.now(), calendar: new WorkingCalendar() });
  if (!plan) throw new Error(JSON.stringify(issues.slice(0, 3)));
  return { ...plan, key: directiveKey(directive) };
}
