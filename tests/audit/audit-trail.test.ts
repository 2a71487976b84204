import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { rechain } from '../helpers/rechain';
import { startRun } from '../../src/client/start-run';
import { unitWorkflowId, runWorkflowId } from '../../src/workflows/ids';
import { acknowledgeUpdate, acceptReportUpdate, submitReportUpdate } from '../../src/workflows/unit-lifecycle';
import { recallUpdate } from '../../src/workflows/dissemination-run';
import { FileAuditStore } from '../../src/audit/file-store';
import { exportRun, readExport, renderTimeline, replayBundle, timeline, verifyBundle } from '../../src/audit/commands';
import { seal, type AuditRecord } from '../../src/audit/record';
import { timeSkippingStack, type Stack } from '../helpers/stack';
import { testPlan } from '../helpers/fixtures';

/** A run's audit trail, exported, verified, tampered with in every way, and replayed. */
let s: Stack;
let folder: string;
let records: AuditRecord[];
let key: string;

beforeAll(async () => {
  s = await timeSkippingStack({ CHIDAO_SEARCH_ATTRIBUTES: 'false' });
  await s.run(async () => {
    const plan = testPlan({
      units: 2,
      policy: {
        acknowledge: { due: 'PT10M' },
        reports: [{ id: 'ket-qua', title: 'Báo cáo kết quả triển khai', due: 'PT1H' }],
        reminders: ['PT5M'],
        escalation: [{ after: 'PT5M', notify: 'head' }],
      },
    });
    key = plan.key;
    await startRun(s.client, plan, { taskQueue: s.taskQueue, searchAttributes: false, batchSize: 100 });
    const t1 = s.client.workflow.getHandle(unitWorkflowId(key, 'T1'));
    await vi.waitFor(
      async () => expect(((await t1.query('unitState')) as { stage?: string }).stage).toBe('dispatched'),
      {
        timeout: 30_000,
        interval: 100,
      },
    );
    const viaLink = {
      channel: 'link' as const,
      by: 'Cục THADS tỉnh Thử 1',
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (thử)',
    };
    await t1.executeUpdate(acknowledgeUpdate, { args: [viaLink] });
    await t1.executeUpdate(submitReportUpdate, {
      args: [{ by: viaLink, text: 'Đã quán triệt.', fileName: 'bao-cao.pdf', sha256: 'ab'.repeat(32) }],
    });
    await t1.executeUpdate(acceptReportUpdate, { args: [{ by: 'Văn phòng' }] });
    await s.env!.sleep('20m'); // T2: reminder, overdue, escalation to its head
    const run = s.client.workflow.getHandle(runWorkflowId(key));
    await run.executeUpdate(recallUpdate, { args: [{ by: 'Chánh Văn phòng', reason: 'Ban hành nhầm' }] });
    await run.result();
  });
  const store = new FileAuditStore(join(s.config.CHIDAO_DATA_DIR, 'audit'));
  folder = mkdtempSync(join(inject('tmpDir'), 'export-'));
  await exportRun(s.client, store, key, folder);
  records = await store.list(key);
});
afterAll(async () => s?.close());

/** A copy of the export whose audit.jsonl is rewritten by `tamper`. */
function tampered(tamper: (lines: AuditRecord[]) => AuditRecord[]): string {
  const copy = mkdtempSync(join(inject('tmpDir'), 'tampered-'));
  cpSync(folder, copy, { recursive: true });
  const lines = readFileSync(join(copy, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);
  writeFileSync(
    join(copy, 'audit.jsonl'),
    tamper(lines)
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  return copy;
}

describe('audit trail', () => {
  it('records every externally visible act, once, with workflow, run and event', () => {
    const kinds = records.map((r) => r.kind);
    for (const k of [
      'run-started',
      'recipients-added',
      'message-sent',
      'acknowledged',
      'report-submitted',
      'report-accepted',
      'recalled',
    ] as const)
      expect(kinds).toContain(k);
    const ack = records.find((r) => r.kind === 'acknowledged')!;
    expect(ack).toMatchObject({
      unit: 'T1',
      actor: { channel: 'link', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (thử)' },
      workflowId: unitWorkflowId(key, 'T1'),
    });
    expect(ack.runId).toMatch(/[0-9a-f-]{36}/);
    expect(ack.eventId).toBeGreaterThan(0);
    expect(records.find((r) => r.kind === 'report-submitted')!.data).toMatchObject({
      sha256: 'ab'.repeat(32),
      fileName: 'bao-cao.pdf',
    });
    const sent = records.filter((r) => r.kind === 'message-sent');
    expect(sent.map((r) => r.data.messageKind)).toEqual(
      expect.arrayContaining(['dispatch', 'reminder', 'escalation', 'recall', 'summary', 'report-received']),
    );
    expect(new Set(records.map((r) => r.key)).size).toBe(records.length);
    // Keys are unique by construction, so "once" is checked against what happened: each act, with its unit
    // and (for mail) its kind and addressees, exactly as many times as it took place.
    const tally = (rs: AuditRecord[]) => {
      const n: Record<string, number> = {};
      for (const r of rs) {
        const what = [r.kind, r.unit ?? '-', r.data.messageKind ?? '', ((r.data.to as string[]) ?? []).join(',')];
        const k = what.join(' ').trim();
        n[k] = (n[k] ?? 0) + 1;
      }
      return n;
    };
    expect(tally(records)).toEqual({
      'run-started -': 1,
      'recipients-added -': 1,
      // T1, T2 and the leader "để b/c", one each.
      'message-sent T1 dispatch t1@thads.example': 1,
      'message-sent T2 dispatch t2@thads.example': 1,
      'message-sent TCT dispatch tct@thads.example': 1,
      'acknowledged T1': 1,
      'report-submitted T1': 1,
      'message-sent T1 report-received vp@thads.example': 1,
      'report-accepted T1': 1,
      'message-sent T1 report-accepted t1@thads.example': 1,
      // T2 within the 20 minutes: one reminder (5 min before), one escalation (5 min after), to its head.
      'message-sent T2 reminder t2@thads.example': 1,
      'message-sent T2 escalation head2@thads.example': 1,
      'recalled -': 1,
      // T1 was done before the recall: only T2 is told.
      'message-sent T2 recall t2@thads.example': 1,
      'message-sent - summary vp@thads.example,tct@thads.example': 1,
    });
  });

  it('an untouched export verifies: a valid chain that matches the histories both ways', () => {
    const findings = verifyBundle(readExport(folder));
    // After the 20-minute skip the time-skipping server's clock runs that far ahead of the worker's, so the
    // messages the worker recorded afterwards stand 20 minutes from their events; nothing else is found.
    // (verify-tamper.test.ts verifies an untouched export on the dev server's real clock: no finding at all.)
    expect(findings.filter((f) => f.level === 'error' && f.kind !== 'time-mismatch')).toEqual([]);
    const skewed = findings.filter((f) => f.kind === 'time-mismatch');
    expect(skewed.length).toBeGreaterThan(0);
    // Exactly the messages sent during or after the skip; those sent before it are on time.
    const kinds = skewed
      .map((f) => records.find((r) => r.seq === f.seq)!)
      .map((r) => `${r.kind} ${r.data.messageKind}`);
    expect(new Set(kinds)).toEqual(
      new Set(['message-sent reminder', 'message-sent escalation', 'message-sent recall', 'message-sent summary']),
    );
  });

  it('a changed record is found and named', () => {
    const f = verifyBundle(
      readExport(tampered((rs) => rs.map((r) => (r.seq === 3 ? { ...r, at: '2020-01-01T00:00:00.000Z' } : r)))),
    );
    expect(f).toContainEqual(expect.objectContaining({ kind: 'changed', message: expect.stringContaining('seq 3') }));
  });

  it('a removed record is found', () => {
    const f = verifyBundle(readExport(tampered((rs) => rs.filter((r) => r.seq !== 4))));
    expect(f).toContainEqual(
      expect.objectContaining({ kind: 'missing-or-reordered', message: expect.stringContaining('seq 4') }),
    );
  });

  it('an inserted record is found', () => {
    const f = verifyBundle(
      readExport(
        tampered((rs) => {
          const forged = seal(
            { ...rs[4]!, key: 'forged', kind: 'acknowledged', unit: 'T2' },
            6,
            rs[4]!.hash,
            new Date(),
          );
          return [...rs.slice(0, 5), forged, ...rs.slice(5)];
        }),
      ),
    );
    expect(f).toContainEqual(expect.objectContaining({ kind: 'inserted-or-reordered' }));
    expect(f.map((x) => x.message).join('\n')).toMatch(/forged/);
  });

  it('reordered records are found', () => {
    const f = verifyBundle(readExport(tampered((rs) => [...rs.slice(0, 5), rs[6]!, rs[5]!, ...rs.slice(7)])));
    expect(f.some((x) => x.kind === 'missing-or-reordered' || x.kind === 'inserted-or-reordered')).toBe(true);
  });

  it('a removed record hidden by recomputing the chain is still caught by the histories', () => {
    const f = verifyBundle(
      readExport(
        tampered((rs) =>
          rechain(rs.filter((r) => !(r.kind === 'message-sent' && r.data.messageKind === 'escalation'))),
        ),
      ),
    );
    expect(f.filter((x) => x.kind === 'changed' || x.kind.includes('reordered'))).toEqual([]);
    expect(f).toContainEqual(
      expect.objectContaining({ kind: 'event-without-record', message: expect.stringContaining('escalation') }),
    );
  });

  it('a forged act hidden by recomputing the chain is caught by the histories', () => {
    const f = verifyBundle(
      readExport(
        tampered((rs) =>
          rechain([
            ...rs,
            {
              ...rs.find((r) => r.kind === 'acknowledged')!,
              key: 'forged-ack',
              unit: 'T2',
              workflowId: unitWorkflowId(key, 'T2'),
            },
          ]),
        ),
      ),
    );
    expect(f).toContainEqual(
      expect.objectContaining({ kind: 'record-without-event', message: expect.stringContaining('acknowledged') }),
    );
  });

  it('replays every exported history and tells the timeline in Hà Nội time', async () => {
    const bundle = readExport(folder);
    const results = await replayBundle(bundle, { workflowBundle: { codePath: inject('bundlePath') } });
    expect(results.length).toBe(bundle.histories.length);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const text = renderTimeline(timeline(bundle.histories));
    expect(text).toMatch(/T1: gửi văn bản \(thực hiện\) → t1@thads\.example/);
    expect(text).toMatch(/T1: xác nhận đã nhận — Cục THADS tỉnh Thử 1 \[link\]/);
    expect(text).toMatch(/T2: nhắc hạn \(đôn đốc\) → t2@thads\.example/);
    expect(text).toMatch(/T2: thông báo quá hạn → head2@thads\.example/);
    expect(text).toMatch(/đợt gửi: Văn phòng thu hồi văn bản — Chánh Văn phòng/);
    expect(text).toMatch(/^\d{2}:\d{2}(:\d{2})? (Thứ|Chủ nhật)/m);
    // Each line's clock time and date are its event's UTC time plus 7 hours, computed here independently.
    const entries = timeline(bundle.histories);
    const lines = text.split('\n');
    expect(lines).toHaveLength(entries.length);
    const pad = (n: number) => String(n).padStart(2, '0');
    entries.forEach((e, i) => {
      const hn = new Date(e.at + 7 * 3600_000);
      const clock = `${pad(hn.getUTCHours())}:${pad(hn.getUTCMinutes())}`;
      const date = `${pad(hn.getUTCDate())}/${pad(hn.getUTCMonth() + 1)}/${hn.getUTCFullYear()}`;
      const weekday = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'][hn.getUTCDay()];
      const seconds = hn.getUTCSeconds() ? `:${pad(hn.getUTCSeconds())}` : '';
      expect(lines[i]!.startsWith(`${clock}${seconds} ${weekday}, ${date}  `)).toBe(true);
    });
  });

  // The CLI's exit 0 on an untouched export is in verify-tamper.test.ts, on the dev server's real clock.
  it('the CLI exits 1 naming the finding on a tampered copy', async () => {
    const run = async (...argv: string[]) => {
      let text = '';
      const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
      return { code: await main(argv, out), text };
    };
    const bad = await run(
      'audit',
      'verify',
      tampered((rs) => rs.filter((r) => r.seq !== 2)),
    );
    expect(bad.code).toBe(1);
    expect(bad.text).toMatch(/LỖI \[missing-or-reordered\].*seq 2/);
  });
});
