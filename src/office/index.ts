export { Office, type OfficeOptions, type RunFilters, type RunListing, type RunTable } from './office';
export { OfficeRefusal, type RefusalType, NOT_FOUND_MESSAGE } from './refusal';
export { RUN_KEY_RE } from './input';
export type { CorrectionOutcome } from './correction';
