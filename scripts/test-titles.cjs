// The titles of a test file's `it(...)` calls, one per line, as written (for scripts/test-each-test).
const src = require('node:fs').readFileSync(process.argv[2], 'utf8');
const re = /\bit(?:\.each\([\s\S]*?\))?\(\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;
for (const m of src.matchAll(re)) console.log(m[2]);
