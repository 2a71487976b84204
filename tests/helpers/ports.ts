// Shared with the dev stack and the benches.
export { freePort, freePortRange, onFreePort } from '../../src/dev/ports';
