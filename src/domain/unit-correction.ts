import { CORRECTION_LIMITS, pendingVersion, type Correction, type UnitCorrection } from './correction';
import type { Policy } from './policy';
import { officeActor, type Effects } from './unit-effects';
import { LifecycleRefusal, type Actor, type UnitSnapshot } from './unit-model';
import { refuseIfStopped } from './unit-rules';

/** A unit takes a version once; a unit the original never reached cannot take a correction of it. */
export function checkReceiveCorrection(s: UnitSnapshot, c: Pick<Correction, 'version'>): void {
  refuseIfStopped(s);
  if (s.stage === 'dispatching' || s.stage === 'undeliverable')
    throw new LifecycleRefusal(
      'NotDelivered',
      'Văn bản gốc chưa gửi được tới đơn vị; bản đính chính sẽ không có nghĩa trước văn bản gốc.',
    );
  // A version at or below the newest held was delivered already (or overtaken): never out of order.
  const newest = s.corrections?.at(-1)?.version ?? 1;
  if (c.version <= newest) throw new LifecycleRefusal('AlreadyDone', `Đơn vị đã nhận phiên bản ${newest} của văn bản.`);
}

/**
 * The unit keeps its stage and deadlines. Its acknowledgement of the version before carries over only
 * when the policy says so (`correctionKeepsAcknowledgement`); otherwise it is asked to acknowledge this one.
 */
export function receiveCorrection(
  s: UnitSnapshot,
  policy: Pick<Policy, 'correctionKeepsAcknowledgement'>,
  c: Correction,
): Effects {
  checkReceiveCorrection(s, c);
  const prev = s.corrections ?? [];
  const acknowledgedBefore = s.acknowledgedAt !== undefined && !pendingVersion(prev);
  const carried = acknowledgedBefore && policy.correctionKeepsAcknowledgement === true;
  const mine: UnitCorrection = { ...c, ...(carried ? { acknowledgedAt: c.at, carried: true } : {}) };
  s.corrections = [...prev, mine].slice(-CORRECTION_LIMITS.versions);
  const document = c.document ? { document: c.document } : {};
  return {
    audit: {
      kind: 'correction-received',
      data: { version: c.version, correctionKind: c.kind, changes: c.changes, carried, ...document },
      actor: officeActor(c.by),
    },
    mail: {
      to: { kind: 'unit' },
      body: {
        kind: 'correction',
        unit: { code: s.unit.code, name: s.unit.name },
        version: c.version,
        correctionKind: c.kind,
        changes: c.changes,
        acknowledge: !carried,
        ...document,
      },
    },
  };
}

/**
 * An acknowledgement after a correction, from a unit that had acknowledged the version before: it
 * acknowledges the newest version and changes nothing else.
 */
export function acknowledgeCorrection(s: UnitSnapshot, at: number, by: Actor): Effects | undefined {
  const pending = pendingVersion(s.corrections);
  if (s.acknowledgedAt === undefined || !pending) return undefined;
  // The newest version covers those before it that were never acknowledged.
  for (const c of s.corrections ?? []) c.acknowledgedAt ??= at;
  return { audit: { kind: 'acknowledged', data: { stage: s.stage, version: pending.version }, actor: by } };
}

/** A first acknowledgement covers every version the unit has been sent: the newest, if any. */
export function acknowledgeAllVersions(s: UnitSnapshot, at: number): { version?: number } {
  for (const c of s.corrections ?? []) c.acknowledgedAt ??= at;
  const last = s.corrections?.[s.corrections.length - 1];
  return last ? { version: last.version } : {};
}
