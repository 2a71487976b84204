import { defineSignal } from '@temporalio/workflow';
import type { Stage, UnitSnapshot } from '../domain/unit-state';

/** One unit as the Office's status table shows it; each lifecycle keeps its batch's row current. */
export interface UnitRow {
  code: string;
  name: string;
  province?: string | undefined;
  region?: string | undefined;
  stage: Stage;
  overdue: boolean;
  escalationLevel: number;
  remindersSent: number;
  deadline?: number | undefined;
  acknowledgedAt?: number | undefined;
  /** When the oldest extension request still waiting for the Office's decision was made. */
  extensionRequestedAt?: number | undefined;
  /** When the unit first opened its page or the document ("đã xem"). */
  viewedAt?: number | undefined;
  /** When the first report arrived: the Office's progress chart plots it. */
  reportedAt?: number | undefined;
  reports: number;
  openDifficulties: number;
  /** Addresses that refused the dispatch while others took it: the Office must correct them. */
  rejectedAddresses?: string[] | undefined;
}

/** The row of a unit in a given state; `deadline` is the one it is waiting on now, if any. */
export function unitRow(s: UnitSnapshot, deadline: number | undefined): UnitRow {
  return {
    code: s.unit.code,
    name: s.unit.name,
    province: s.unit.province,
    region: s.unit.region,
    stage: s.stage,
    overdue: s.overdue,
    escalationLevel: s.escalationLevel,
    remindersSent: s.remindersSent,
    deadline,
    acknowledgedAt: s.acknowledgedAt,
    ...(s.viewedAt !== undefined ? { viewedAt: s.viewedAt } : {}),
    ...(s.extensionRequests.length ? { extensionRequestedAt: s.extensionRequests[0]!.at } : {}),
    reportedAt: s.reports[0]?.submittedAt,
    reports: s.reports.length,
    openDifficulties: s.difficulties.filter((d) => !d.answer).length,
    ...(s.rejectedAddresses?.length ? { rejectedAddresses: s.rejectedAddresses } : {}),
  };
}

export const unitChangedSignal = defineSignal<[UnitRow]>('unitChanged');
