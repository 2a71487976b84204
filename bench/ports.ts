// The one implementation, shared with the dev stack and the tests.
export { freePort } from '../src/dev/ports';
