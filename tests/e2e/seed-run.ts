import { expect, inject } from 'vitest';
import { startRun } from '../../src/client/start-run';
import { readRunRows } from '../../src/client/run-rows';
import { loadPlan } from '../../src/files/load';
import { WorkingCalendar } from '../../src/domain/calendar';
import { policySchema } from '../../src/domain/policy';
import { directiveKey } from '../../src/domain/directive';
import { runWorkflowId, unitWorkflowId } from '../../src/workflows/ids';
import { LinkSigner } from '../../src/links/signer';
import type { Stack } from '../helpers/stack';
import { both, ofKind, ofRun, waitForMails } from '../helpers/mailbox';
import { uniqueNumber } from '../helpers/fixtures';

/**
 * The seed directive 4432/TCTHADS-VP end to end on whichever Temporal server `s` works on (the dev server,
 * the PostgreSQL cluster): fan-out, real mail read back from the shared SMTP server, and the overdue units
 * found by one visibility query on our search attributes.
 */
export async function seedDirectiveEndToEnd(s: Stack): Promise<void> {
  const plan = loadPlan('examples/4432-TCTHADS-VP.yaml', 'examples/units-thads-2023.yaml', {
    now: Date.now(),
    calendar: new WorkingCalendar(),
  });
  // A number of our own, so reruns and other test files never collide with this run's id.
  plan.directive.number = uniqueNumber();
  plan.directive.policy = policySchema.parse({
    acknowledge: { due: 'PT4S' },
    reminders: [],
    escalation: [{ after: 'PT1H', notify: 'head' }],
  });
  const key = directiveKey(plan.directive);
  const ref = `${plan.directive.number}/${plan.directive.symbol}`;
  await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: true, batchSize: 20, chunk: 30 });

  const dispatches = await waitForMails(both(ofRun(key), ofKind('dispatch')), 77, 60_000);
  expect(dispatches).toHaveLength(77);
  const hanoi = dispatches.find((m) => m.to[0]!.address === 'cuc.ha-noi@thads.example')!;
  expect(hanoi.subject).toBe(`[${ref}] V/v hướng dẫn, đôn đốc triển khai thi hành Luật thực hiện dân chủ ở cơ sở`);
  expect(hanoi.headers['message-id']).toBe(`<${key}.CTHADS-HA-NOI.dispatch.0@chidao.local>`);
  const raw = await (await fetch(`${inject('mailApi')}/email/${hanoi.id}/source`)).text();
  expect(raw).toMatch(/^Reply-To: vp@thads.example\r?$/m);
  expect(raw).toMatch(/^Subject: =\?UTF-8\?/m); // non-ASCII subject MIME-encoded on the wire
  expect(hanoi.text).toContain('Kính gửi: Cục Thi hành án dân sự thành phố Hà Nội');
  // The lifecycle carries only the directive's head; the activity renders the body it asks the run for.
  const task = plan.directive.tasks[0]!.text.slice(0, 60);
  expect(hanoi.text).toContain(task);
  expect(hanoi.attachments).toHaveLength(1);
  expect(raw).toContain(`filename=${plan.directive.number}-${plan.directive.symbol}.txt`);
  const lifecycleHistory = payloadsText(
    await s.client.workflow.getHandle(unitWorkflowId(key, 'CTHADS-HA-NOI')).fetchHistory(),
  );
  expect(lifecycleHistory).toContain(plan.directive.subject);
  expect(lifecycleHistory).not.toContain(task);
  // The signed link in the mail verifies for this unit and action only.
  const link = /http\S+\/u\/acknowledge\?t=(\S+)/.exec(hanoi.text)![1]!;
  const verified = new LinkSigner(s.config.CHIDAO_LINK_SECRET, s.config.CHIDAO_PUBLIC_URL, 90).verify(link, Date.now());
  expect(verified).toMatchObject({ ok: true, claims: { run: key, unit: 'CTHADS-HA-NOI', action: 'acknowledge' } });
  // The leaders "để b/c" got it too, without links.
  const leader = dispatches.find((m) => m.to[0]!.address === 'thutruong.mlk@botuphap.example')!;
  expect(leader.text).not.toContain('/u/acknowledge');

  const { rows, status } = await readRunRows(s.client, runWorkflowId(key));
  expect(rows).toHaveLength(72);
  expect(status.batches.every((b) => b.size <= 20)).toBe(true);
  expect(status.batches.reduce((n, b) => n + b.size, 0)).toBe(72);
  expect(status.info.every((i) => i.delivered)).toBe(true);

  // After the 4-second acknowledgement deadline every unit is overdue, and visibility says so.
  const query = `ChidaoDirective = "${ref}" AND ChidaoOverdue = true AND ExecutionStatus = "Running"`;
  let count = 0;
  for (let i = 0; i < 100 && count < 72; i++) {
    count = (await s.client.workflow.count(query)).count;
    if (count < 72) await new Promise((r) => setTimeout(r, 300));
  }
  expect(count).toBe(72);
  const one = s.client.workflow.list({ query: `${query} AND ChidaoUnit = "CTHADS-HA-NOI"` });
  const found: string[] = [];
  for await (const w of one) found.push(w.workflowId);
  expect(found).toEqual([`chidao/${key}/unit/CTHADS-HA-NOI`]);

  await s.client.workflow.getHandle(runWorkflowId(key)).terminate('test done');
}

/** Every payload in a history, decoded: what the history stores of inputs, results and signals. */
function payloadsText(node: unknown): string {
  if (node instanceof Uint8Array) return Buffer.from(node).toString('utf8');
  if (Array.isArray(node)) return node.map(payloadsText).join('\n');
  if (node && typeof node === 'object') return Object.values(node).map(payloadsText).join('\n');
  return '';
}
