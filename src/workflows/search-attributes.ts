import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so "every overdue unit of 4432/TCTHADS-VP" is one visibility query:
 *   ChidaoDirective = "4432/TCTHADS-VP" AND ChidaoOverdue = true
 * The worker registers them at start-up (see worker/search-attributes.ts).
 */
export const SA_DIRECTIVE = defineSearchAttributeKey('ChidaoDirective', SearchAttributeType.KEYWORD);
export const SA_UNIT = defineSearchAttributeKey('ChidaoUnit', SearchAttributeType.KEYWORD);
export const SA_STAGE = defineSearchAttributeKey('ChidaoStage', SearchAttributeType.KEYWORD);
export const SA_OVERDUE = defineSearchAttributeKey('ChidaoOverdue', SearchAttributeType.BOOL);

export const SEARCH_ATTRIBUTES = {
  ChidaoDirective: SearchAttributeType.KEYWORD,
  ChidaoUnit: SearchAttributeType.KEYWORD,
  ChidaoStage: SearchAttributeType.KEYWORD,
  ChidaoOverdue: SearchAttributeType.BOOL,
} as const;
