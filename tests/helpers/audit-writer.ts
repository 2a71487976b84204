// Appends acts to an audit store from its own process: several of these run at once in the tests.
import { FileAuditStore } from '../../src/audit/file-store';
import { PgAuditStore } from '../../src/audit/pg-store';

const [kind, where, runKey, writer, count] = process.argv.slice(2) as [string, string, string, string, string];
const store = kind === 'postgres' ? PgAuditStore.fromUrl(where) : new FileAuditStore(where);
for (let i = 0; i < Number(count); i++) {
  await store.append({
    key: `${writer}#${i}`,
    runKey,
    kind: 'acknowledged',
    at: new Date().toISOString(),
    unit: `U${writer}`,
    data: { i },
    workflowId: `wf-${writer}`,
    runId: 'r',
    eventId: i,
  });
}
await store.close();
