import { defineSignal } from '@temporalio/workflow';
import type { Stage } from '../domain/unit-state';

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
  /** When the first report arrived: the Office's progress chart plots it. */
  reportedAt?: number | undefined;
  reports: number;
  openDifficulties: number;
}

export const unitChangedSignal = defineSignal<[UnitRow]>('unitChanged');
