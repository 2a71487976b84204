import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../src/domain/calendar';
import type { Correction } from '../../src/domain/correction';
import { checkCorrection, CORRECTION_LIMITS, pendingVersion } from '../../src/domain/correction';
import type { Policy } from '../../src/domain/policy';
import type { RecipientInfo } from '../../src/domain/plan';
import { LifecycleRefusal, UnitLifecycleState, newSnapshot } from '../../src/domain/unit-state';

/** A unit's copy of corrections, in its state machine alone: versions in order, acknowledgements per version. */
const MIN = 60_000;
const T0 = Date.parse('2023-11-22T09:00:00+07:00');
const UNIT: RecipientInfo = {
  code: 'T1',
  name: 'Cục THADS tỉnh Thử 1',
  emails: ['t1@thads.example'],
  role: 'implement',
  purpose: 'Như trên',
};
const policy = (keep = false): Policy => ({
  acknowledge: { due: { within: { kind: 'exact', ms: 600 * MIN } } },
  reports: [{ id: 'kq', title: 'Báo cáo kết quả', due: { within: { kind: 'exact', ms: 6000 * MIN } } }],
  reminders: [],
  escalation: [],
  ...(keep ? { correctionKeepsAcknowledgement: true } : {}),
});
const office = { channel: 'office' as const, by: 'VP' };
const version = (v: number, at = T0 + v * MIN): Correction => ({
  version: v,
  kind: 'dinh-chinh',
  changes: `thay đổi ${v}`,
  at,
  by: 'Văn thư (van-thu)',
});

function dispatched(keep = false) {
  const m = new UnitLifecycleState(newSnapshot(UNIT), {
    policy: policy(keep),
    cal: new WorkingCalendar(),
    officeName: 'VP',
  });
  m.dispatched(T0, m.ackDeadlineFrom(T0), []);
  return m;
}

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LifecycleRefusal);
    return (e as LifecycleRefusal).type;
  }
  throw new Error('not refused');
};

describe("a unit's corrections", () => {
  it('takes versions once and in order: a repeat or an older version is already done', () => {
    const m = dispatched();
    m.receiveCorrection(version(3));
    expect(refusal(() => m.receiveCorrection(version(3)))).toBe('AlreadyDone');
    expect(refusal(() => m.receiveCorrection(version(2)))).toBe('AlreadyDone');
    expect(m.view.corrections!.map((c) => c.version)).toEqual([3]);
  });

  it('is refused before the original reached the unit', () => {
    const m = new UnitLifecycleState(newSnapshot(UNIT), {
      policy: policy(),
      cal: new WorkingCalendar(),
      officeName: 'VP',
    });
    expect(refusal(() => m.receiveCorrection(version(2)))).toBe('NotDelivered');
  });

  it('asks a unit that had acknowledged to acknowledge again, and one acknowledgement covers every version pending', () => {
    const m = dispatched();
    m.acknowledge(T0 + 1 * MIN, office);
    const fx = m.receiveCorrection(version(2));
    expect(fx.mail?.body).toMatchObject({ kind: 'correction', version: 2, acknowledge: true });
    m.receiveCorrection(version(3));
    expect(pendingVersion(m.view.corrections)?.version).toBe(3);
    const ack = m.acknowledge(T0 + 10 * MIN, office);
    expect(ack.audit).toMatchObject({ kind: 'acknowledged', data: { stage: 'acknowledged', version: 3 } });
    expect(m.view.corrections!.map((c) => c.acknowledgedAt)).toEqual([T0 + 10 * MIN, T0 + 10 * MIN]);
    expect(refusal(() => m.acknowledge(T0 + 11 * MIN, office))).toBe('AlreadyAcknowledged');
    // The stage and the report's deadline did not move.
    expect(m.view.stage).toBe('acknowledged');
  });

  it('with correctionKeepsAcknowledgement carries the acknowledgement over, asking nothing', () => {
    const m = dispatched(true);
    m.acknowledge(T0 + 1 * MIN, office);
    const fx = m.receiveCorrection(version(2));
    expect(fx.mail?.body).toMatchObject({ acknowledge: false });
    expect(fx.audit?.data).toMatchObject({ version: 2, carried: true });
    expect(pendingVersion(m.view.corrections)).toBeUndefined();
  });

  it('a report implies receipt of the versions sent, as it does of the original', () => {
    const m = dispatched();
    m.receiveCorrection(version(2));
    m.submitReport(T0 + 20 * MIN, { by: office, text: 'Đã thực hiện.' });
    expect(m.view.acknowledgedAt).toBe(T0 + 20 * MIN);
    expect(m.view.corrections![0]!.acknowledgedAt).toBe(T0 + 20 * MIN);
  });
});

describe('issuing a correction', () => {
  it.each([
    [{ kind: 'dinh-chinh', changes: '  ' }, 'EmptyText'],
    [{ kind: 'dinh-chinh', changes: 'x'.repeat(CORRECTION_LIMITS.changes + 1) }, 'TooLong'],
    [{ kind: 'sua-doi', changes: 'x' }, 'BadInput'],
  ] as const)('refuses %j (%s)', (input, type) => {
    expect(refusal(() => checkCorrection([], input as never))).toBe(type);
  });

  it('refuses an eleventh version: 10 at most', () => {
    expect(CORRECTION_LIMITS.versions).toBe(10);
    const ten = Array.from({ length: CORRECTION_LIMITS.versions }, (_, i) => version(i + 2));
    expect(refusal(() => checkCorrection(ten, { kind: 'thay-the', changes: 'x' }))).toBe('TooMany');
    expect(() => checkCorrection(ten.slice(1), { kind: 'thay-the', changes: 'x' })).not.toThrow();
  });
});
