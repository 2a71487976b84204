import { describe, expect, it } from 'vitest';
import { workItems } from '../../src/office/work-queue';
import type { UnitRow } from '../../src/workflows/unit-rows';

const row = (code: string, o: Partial<UnitRow>): UnitRow => ({
  code,
  name: `Đơn vị ${code}`,
  stage: 'dispatched',
  overdue: false,
  escalationLevel: 0,
  remindersSent: 0,
  reports: 0,
  openDifficulties: 0,
  ...o,
});
const run = (key: string) => ({ key, status: 'RUNNING', start: new Date(0) });

describe('what waits on the follow-up officers', () => {
  it('reports, difficulties, extension requests and lateness from every run, dated ones oldest first, undated after', () => {
    const items = workItems([
      {
        run: run('2023-2-X'),
        rows: [row('A', { stage: 'reported', reportedAt: 300 }), row('B', { overdue: true, deadline: 100 })],
      },
      {
        run: run('2023-1-X'),
        rows: [
          row('C', { openDifficulties: 2, extensionRequestedAt: 250 }),
          row('D', {}),
          row('E', { stage: 'reported', reportedAt: 200, overdue: true, deadline: 50 }),
        ],
      },
    ]);
    expect(items.map((i) => [i.kind, i.key, i.code, i.since])).toEqual([
      ['overdue', '2023-1-X', 'E', 50],
      ['overdue', '2023-2-X', 'B', 100],
      ['report', '2023-1-X', 'E', 200],
      ['extension', '2023-1-X', 'C', 250],
      ['report', '2023-2-X', 'A', 300],
      ['difficulty', '2023-1-X', 'C', undefined],
    ]);
  });
});
