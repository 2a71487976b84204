import type { DocumentRef } from './document';
import { LifecycleRefusal } from './unit-model';

/**
 * Đính chính (a corrected passage) and thay thế (a replacing document): the Office issues them for a
 * running directive. Each is a new version of it (the original is version 1); units keep their stage and
 * deadlines, get what changed, and acknowledge the new version unless the policy carries the old
 * acknowledgement over.
 */
export const CORRECTION_KINDS = ['dinh-chinh', 'thay-the'] as const;
export type CorrectionKind = (typeof CORRECTION_KINDS)[number];
export const CORRECTION_LABEL: Record<CorrectionKind, string> = { 'dinh-chinh': 'Đính chính', 'thay-the': 'Thay thế' };

/** Versions a run may have, and the length of what changed: both bound the run's and units' histories. */
export const CORRECTION_LIMITS = { versions: 10, changes: 4000 } as const;

export interface CorrectionInput {
  kind: CorrectionKind;
  /** What changed, in the Office's words: said to every unit and kept in the audit trail. */
  changes: string;
  /** The corrected or replacing signed document, when there is one. */
  document?: DocumentRef;
}

export interface Correction extends CorrectionInput {
  /** 2 for the first correction: the original is version 1. */
  version: number;
  at: number;
  by: string;
}

/** A unit's copy: when it acknowledged this version, and whether that was carried over from the one before. */
export interface UnitCorrection extends Correction {
  acknowledgedAt?: number;
  carried?: boolean;
}

/** The checks a correction passes before it is issued; the same words for the CLI, the pages and the API. */
export function checkCorrection(existing: readonly Correction[], c: CorrectionInput): void {
  if (!CORRECTION_KINDS.includes(c.kind))
    throw new LifecycleRefusal(
      'BadInput',
      `Loại văn bản phải là "dinh-chinh" (đính chính) hoặc "thay-the" (thay thế).`,
    );
  if (typeof c.changes !== 'string' || !c.changes.trim())
    throw new LifecycleRefusal('EmptyText', 'Cần nêu nội dung đính chính hoặc thay thế (những gì thay đổi).');
  if (c.changes.length > CORRECTION_LIMITS.changes)
    throw new LifecycleRefusal(
      'TooLong',
      `Nội dung thay đổi dài ${c.changes.length} ký tự, vượt giới hạn ${CORRECTION_LIMITS.changes} ký tự.`,
    );
  if (existing.length >= CORRECTION_LIMITS.versions)
    throw new LifecycleRefusal(
      'TooMany',
      `Văn bản đã có ${existing.length} lần đính chính/thay thế; tối đa ${CORRECTION_LIMITS.versions}. Hãy thu hồi và ban hành văn bản mới.`,
    );
}

/** The version a unit still has to acknowledge, if any: the newest, when it is not acknowledged yet. */
export function pendingVersion(corrections: readonly UnitCorrection[] | undefined): UnitCorrection | undefined {
  const last = corrections?.[corrections.length - 1];
  return last && last.acknowledgedAt === undefined ? last : undefined;
}

/** "bản đính chính lần 1 (phiên bản 2)" */
export function versionLabel(c: Pick<Correction, 'kind' | 'version'>): string {
  return `văn bản ${CORRECTION_LABEL[c.kind].toLowerCase()} (phiên bản ${c.version})`;
}
