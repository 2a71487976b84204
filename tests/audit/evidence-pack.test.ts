import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readExport } from '../../src/audit/commands';
import type { AuditRecord } from '../../src/audit/record';
import { chidao } from '../helpers/cli';
import { both, mails, ofKind, ofRun } from '../helpers/mailbox';
import { signedRun, type SignedRun } from './signed-run';

/**
 * Evidence packs made by `chidao audit pack` from a real signed export, read back with poppler's
 * pdftotext (and pdffonts, pdftoppm), independently of the code that wrote them.
 */
let run: SignedRun;
let dir: string;

beforeAll(async () => {
  run = await signedRun();
  dir = mkdtempSync(join(inject('tmpDir'), 'packs-'));
});
afterAll(async () => run?.stack.close());

/** The PDF's text, whitespace collapsed: line breaks fall where pdfkit wrapped. */
const textOf = (pdf: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-']).toString('utf8');
const flat = (s: string) => s.replace(/\s+/g, ' ');
/** Hà Nội time computed here, apart from the pack's code: UTC+7, to the second. */
function hanoi(iso: string): string {
  const t = new Date(Date.parse(iso) + 7 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} ${p(t.getUTCDate())}/${p(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
}

async function pack(...args: string[]): Promise<{ pdf: string; text: string; out: string }> {
  const pdf = join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
  const r = await chidao('audit', 'pack', ...args, '--out', pdf);
  expect(r.code, r.out).toBe(0);
  return { pdf, text: flat(textOf(pdf)), out: r.out };
}

describe('evidence packs', () => {
  it("a unit's pack names the directive and its document's SHA-256, every act of the unit with its time, actor, channel, Message-ID and record hash, and the digests that cover them", async () => {
    const { text, out } = await pack(run.folder, '--unit', 'T1', '--keyring', run.keys.keyring);
    expect(out).toMatch(/Đã lập hồ sơ chứng cứ của đơn vị T1: .*\.pdf \(\d+ trang\)/);
    const d = run.plan.directive;
    expect(text).toContain('HỒ SƠ CHỨNG CỨ CỦA ĐƠN VỊ');
    expect(text).toContain('Đơn vị: T1 — Cục THADS tỉnh Thử 1');
    expect(text).toContain(`Số, ký hiệu: ${d.number}/${d.symbol}`);
    expect(text).toContain(`Trích yếu: ${d.subject}`);
    // The document's hash, against the attachment T1 actually received by mail.
    const [dispatch] = await mails(
      both(ofRun(run.key), ofKind('dispatch'), (m) => m.headers['x-chidao-unit'] === 'T1'),
    );
    const file = dispatch!.attachments![0]!;
    const body = await fetch(
      `${inject('mailApi')}/email/${dispatch!.id}/attachment/${file.generatedFileName ?? file.fileName}`,
    );
    const docHash = createHash('sha256')
      .update(Buffer.from(await body.arrayBuffer()))
      .digest('hex');
    expect(text).toContain(`SHA-256 của văn bản: ${docHash}`);
    expect(text).toContain('Không phát hiện sai lệch');

    const mine = run.records.filter((r) => r.unit === 'T1');
    expect(mine.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['message-sent', 'acknowledged', 'report-submitted']),
    );
    for (const r of mine) {
      expect(text).toContain(`${hanoi(r.at)} (giờ Hà Nội)`);
      expect(text).toContain(`SHA-256 bản ghi: ${r.hash}`);
      expect(text).toContain(`Bản ghi seq ${r.seq}, khóa: ${r.key}`);
      expect(text).toContain(`Lịch sử: sự kiện ${r.eventId} của workflow: ${r.workflowId}`);
      if (r.kind === 'message-sent') {
        expect(text).toContain(`Message-ID: ${String(r.data.messageId)}`);
        expect(text).toContain(`Người nhận: ${(r.data.to as string[]).join(', ')}`);
      }
    }
    expect(text).toContain('Cục THADS tỉnh Thử 1 — đường dẫn trong thư (IP 203.0.113.7, trình duyệt "thử")');
    expect(text).toContain(`SHA-256 tệp báo cáo (bao-cao.pdf): ${'ab'.repeat(32)}`);
    // Each act's covering digest, with its signature in full.
    const digests = readExport(run.folder).digests!;
    const covering = new Set(mine.map((r: AuditRecord) => digests.find((x) => x.records >= r.seq)!));
    for (const g of covering) {
      expect(text).toContain(
        `Chữ ký số thứ ${g.seq}: lập ${hanoi(g.at)} (giờ Hà Nội), bao bản ghi seq 1–${g.records}, khóa ${g.keyId}`,
      );
      expect(text).toContain(`Chữ ký Ed25519: ${g.signature}`);
    }
    expect(text).toContain(`chidao audit verify <thư mục xuất> --keyring <keyring.json>`);
    // Another unit's acts are not in it (a digest may name one as the last record it covers, by hash only).
    for (const r of run.records.filter((x) => x.unit === 'T2')) {
      expect(text).not.toContain(`SHA-256 bản ghi: ${r.hash}`);
      expect(text).not.toContain(`khóa: ${r.key}`);
    }
  });

  it('the run’s summary pack lists every unit and the run’s own acts (start, recall and its reason, the summary)', async () => {
    const { text } = await pack(run.folder, '--keyring', run.keys.keyring);
    expect(text).toContain('HỒ SƠ CHỨNG CỨ CỦA ĐỢT GỬI (TỔNG HỢP)');
    for (const u of ['T1', 'T2']) expect(text).toMatch(new RegExp(`${u}: \\d+ hành vi; gần nhất`));
    const own = run.records.filter((r) => !r.unit);
    expect(own.map((r) => r.kind)).toEqual(expect.arrayContaining(['run-started', 'recalled']));
    for (const r of own) expect(text).toContain(`Bản ghi seq ${r.seq}, SHA-256: ${r.hash}`);
    expect(text).toContain('Chánh Văn phòng — Văn phòng ghi nhận');
    expect(text).toContain('Lý do: Ban hành nhầm');
    const last = run.records.at(-1)!;
    expect(text).toContain(`Bản ghi cuối: seq ${last.seq}, khóa: ${last.key}`);
  });

  it('embeds DejaVu Sans, and a page renders with pdftoppm at A4 size', async () => {
    const { pdf } = await pack(run.folder, '--unit', 'T2', '--keyring', run.keys.keyring);
    const fonts = execFileSync('pdffonts', [pdf]).toString('utf8');
    expect(fonts).toMatch(/DejaVuSans\s.*\syes\s+yes/);
    const prefix = join(dir, 'page');
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-singlefile', pdf, prefix]);
    const png = readFileSync(`${prefix}.png`);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // A4 (595.28 × 841.89 pt) at 50 dpi, rounded up: 414 × 585 pixels, read from the IHDR chunk.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([414, 585]);
    // Not a blank page: some pixels are dark (the text).
    execFileSync('pdftoppm', ['-gray', '-r', '20', '-f', '1', '-l', '1', '-singlefile', pdf, `${prefix}-gray`]);
    const pgm = readFileSync(`${prefix}-gray.pgm`);
    const [, w, h] = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 20).toString('latin1'))!.map(Number);
    const pixels = pgm.subarray(pgm.length - w! * h!);
    const dark = pixels.filter((v) => v < 128).length;
    expect(dark).toBeGreaterThan(100);
  });

  it('a pack made from a tampered export says so on its first page', async () => {
    const copy = mkdtempSync(join(inject('tmpDir'), 'tampered-'));
    cpSync(run.folder, copy, { recursive: true });
    const lines = readFileSync(join(copy, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean);
    const r = JSON.parse(lines[0]!) as AuditRecord;
    lines[0] = JSON.stringify({ ...r, at: '2020-01-01T00:00:00.000Z' });
    writeFileSync(join(copy, 'audit.jsonl'), lines.join('\n') + '\n');
    const { pdf } = await pack(copy, '--keyring', run.keys.keyring);
    const first = flat(execFileSync('pdftotext', ['-f', '1', '-l', '1', pdf, '-']).toString('utf8'));
    expect(first).toMatch(/PHÁT HIỆN \d+ LỖI: bản ghi kiểm toán KHÔNG đáng tin/);
    expect(first).toContain(`bản ghi thứ 1 (seq 1, ${r.kind}, khóa ${r.key}): nội dung không khớp mã băm của nó`);
  });

  it('a unit not in the run is refused as a usage mistake (exit 2), and no file is written', async () => {
    const out = join(dir, 'x.pdf');
    const r = await chidao('audit', 'pack', run.folder, '--unit', 'KHONG-CO', '--out', out);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`Lỗi: đơn vị KHONG-CO không có trong đợt gửi ${run.key}`);
    expect(existsSync(out)).toBe(false);
  });
});
