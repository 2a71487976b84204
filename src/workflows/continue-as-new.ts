import { workflowInfo } from '@temporalio/workflow';

/** Most events a long-lived workflow (recurring reports over years) lets its history grow to. */
export const HISTORY_LIMIT = 5000;

/** The rule every long-lived workflow of a run follows: continue as new when the server asks or history is long. */
export function historyIsLong(limit = HISTORY_LIMIT): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}
