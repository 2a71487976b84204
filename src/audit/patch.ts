/**
 * The patch id that marks histories recorded with audit records. Workflows call `patched()` with it
 * (older histories take the path without the audit activity); the history reader looks for its marker to
 * know whether a history should have records at all. A dependency-free module, so the reader need not
 * load workflow code.
 */
export const AUDIT_PATCH = 'audit-records';
