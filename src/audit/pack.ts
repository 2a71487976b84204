import { VIA_LABEL } from '../domain/unit-model';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { Directive } from '../domain/directive';
import { directiveText } from '../domain/templates';
import { runWorkflowId, unitWorkflowId } from '../workflows/ids';
import { digestHash, type AuditDigest } from './digest';
import { readHistory } from './events';
import type { Keyring } from './keys';
import type { AuditRecord } from './record';
import { MESSAGE_LABEL } from './timeline';
import { verifyBundle, type AuditBundle, type Finding } from './verify';

/** Debian's fonts-dejavu-core: DejaVu covers every Vietnamese letter with its diacritics. */
export const PACK_FONTS = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  mono: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
};

const KIND_LABEL: Record<string, string> = {
  'run-started': 'bắt đầu đợt gửi',
  'recipients-added': 'thêm nơi nhận',
  'message-sent': 'gửi thư',
  'delivery-failed': 'thư bị từ chối',
  acknowledged: 'xác nhận đã nhận',
  'report-submitted': 'gửi báo cáo',
  'report-accepted': 'chấp nhận báo cáo',
  'report-returned': 'trả lại báo cáo',
  'extension-granted': 'gia hạn',
  'calendar-changed': 'đổi lịch nghỉ, tính lại thời hạn',
  'extension-requested': 'đề nghị gia hạn',
  'difficulty-raised': 'phản ánh vướng mắc',
  'difficulty-answered': 'trả lời vướng mắc',
  'address-corrected': 'sửa địa chỉ thư',
  'directive-corrected': 'đính chính / thay thế văn bản',
  'correction-received': 'nhận văn bản đính chính / thay thế',
  viewed: 'mở văn bản lần đầu (đã xem)',
  bounced: 'thư báo lỗi: địa chỉ không nhận thư',
  'dispatch-resent': 'gửi lại văn bản',
  recalled: 'thu hồi văn bản',
  closed: 'kết thúc đợt gửi',
};

const CHANNEL_LABEL: Record<string, string> = {
  link: 'đường dẫn trong thư',
  office: 'Văn phòng ghi nhận',
  email: 'thư điện tử',
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** "14:02:07 25/11/2026" in Hà Nội time (UTC+7, no daylight saving), to the second. */
export function hanoiTime(ms: number): string {
  const t = new Date(ms + 7 * 3600_000);
  const clock = `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  return `${clock} ${pad(t.getUTCDate())}/${pad(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The details of an act worth printing, by kind; `code` ones (ids, hashes) go in the monospace font. */
function details(r: AuditRecord): { label: string; value: string; code?: true }[] {
  const d = r.data;
  const out: { label: string; value: string; code?: true }[] = [];
  const when = (v: unknown) => (typeof v === 'number' ? hanoiTime(v) : String(v));
  const line = (label: string, value: unknown) => out.push({ label, value: String(value) });
  if (r.kind === 'message-sent' || r.kind === 'delivery-failed') {
    line('Loại thư', MESSAGE_LABEL[String(d.messageKind)] ?? String(d.messageKind));
    out.push({ label: 'Message-ID', value: String(d.messageId), code: true });
    line('Người nhận', ((d.to as string[] | undefined) ?? []).join(', '));
    if (r.kind === 'delivery-failed') line('Lỗi', d.error);
  }
  if (d.sha256)
    out.push({
      label: `SHA-256 tệp báo cáo${d.fileName ? ` (${String(d.fileName)})` : ''}`,
      value: String(d.sha256),
      code: true,
    });
  if (r.kind === 'extension-granted') line('Hạn cũ → hạn mới', `${when(d.from)} → ${when(d.until)}`);
  if (r.kind === 'extension-requested') line('Hạn đề nghị', when(d.until));
  if (r.kind === 'report-returned') line('Hạn nộp lại', when(d.until));
  if (d.reason) line('Lý do', d.reason);
  if (d.note) line('Ghi chú', d.note);
  if (d.text && r.kind.startsWith('difficulty')) line('Nội dung', d.text);
  if (r.kind === 'address-corrected') line('Địa chỉ mới', ((d.to as string[]) ?? []).join(', '));
  return out;
}

function actorText(r: AuditRecord): string {
  if (!r.actor) return r.kind === 'message-sent' || r.kind === 'delivery-failed' ? 'hệ thống chidao' : '—';
  const a = r.actor;
  const via = `${CHANNEL_LABEL[a.channel] ?? a.channel}${a.via ? ` ${VIA_LABEL[a.via]}` : ''}`;
  const from = [
    a.ip ? `IP ${a.ip}` : '',
    a.userAgent ? `trình duyệt "${a.userAgent}"` : '',
    a.auth ? `xác thực: ${a.auth}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${a.by} — ${via}${from ? ` (${from})` : ''}`;
}

/** The first digest that covers a record: the signature an auditor checks it by. */
const coveringDigest = (digests: AuditDigest[], seq: number) => digests.find((d) => d.records >= seq);

export interface PackOptions {
  /** A file path, or a stream (the auditor's download). */
  out: string | NodeJS.WritableStream;
  /** One unit's pack; without it, the run's summary. */
  unit?: string;
  keyring: Keyring | undefined;
}

/**
 * An evidence pack, like a signing service's certificate of completion: the directive and the SHA-256 of
 * its document, every act (time in Hà Nội, actor, channel, Message-ID, recipients), the records' hashes,
 * the signed digests that cover them, what `verify` found when the pack was made, and how to check it
 * all again from the export and the office's public keys. Made with pdfkit, DejaVu Sans embedded.
 */
export async function writeEvidencePack(bundle: AuditBundle, o: PackOptions): Promise<{ pages: number }> {
  for (const f of Object.values(PACK_FONTS))
    if (!existsSync(f)) throw new Error(`Thiếu phông chữ ${f}: cài gói fonts-dejavu-core (scripts/setup cài nó).`);
  const run = bundle.histories.find((h) => h.workflowId === runWorkflowId(bundle.runKey));
  const ctx = run && (readHistory(run).input[0] as { ctx?: { directive: Directive; office: { name: string } } });
  const directive = ctx?.ctx?.directive;
  const unitHistory = o.unit && bundle.histories.find((h) => h.workflowId === unitWorkflowId(bundle.runKey, o.unit!));
  const unitName = unitHistory
    ? (readHistory(unitHistory).input[0] as { unit?: { name?: string } } | undefined)?.unit?.name
    : undefined;
  const records = o.unit ? bundle.records.filter((r) => r.unit === o.unit) : bundle.records;
  const digests = bundle.digests ?? [];
  const findings = verifyBundle(bundle, o.keyring);

  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    bufferPages: true,
    info: {
      Title: `Hồ sơ chứng cứ ${bundle.runKey}${o.unit ? ` — ${o.unit}` : ''}`,
      Author: 'chidao',
      Subject: 'Hồ sơ chứng cứ kiểm toán',
    },
  });
  doc.registerFont('body', PACK_FONTS.regular);
  doc.registerFont('bold', PACK_FONTS.bold);
  doc.registerFont('mono', PACK_FONTS.mono);
  const done = new Promise<void>((resolve, reject) => {
    const stream: NodeJS.WritableStream = typeof o.out === 'string' ? createWriteStream(o.out) : o.out;
    stream.on('finish', resolve).on('error', reject);
    doc.pipe(stream);
  });

  const h1 = (t: string) => doc.font('bold').fontSize(15).text(t).moveDown(0.4);
  const h2 = (t: string) => doc.moveDown(0.6).font('bold').fontSize(11.5).text(t).moveDown(0.2);
  const p = (t: string) => doc.font('body').fontSize(9.5).text(t);
  const field = (k: string, v: string) =>
    doc.font('bold').fontSize(9.5).text(`${k}: `, { continued: true }).font('body').text(v);
  // DejaVu Sans Mono lacks some Vietnamese letters (ả, ố…): labels stay in DejaVu Sans, hex and base64 in mono.
  const code = (label: string, value: string) =>
    doc
      .font('body')
      .fontSize(9.5)
      .text(label ? `${label}: ` : '', { continued: true })
      .font('mono')
      .fontSize(7.5)
      .text(value);

  h1(o.unit ? 'HỒ SƠ CHỨNG CỨ CỦA ĐƠN VỊ' : 'HỒ SƠ CHỨNG CỨ CỦA ĐỢT GỬI (TỔNG HỢP)');
  if (o.unit) field('Đơn vị', `${o.unit}${unitName ? ` — ${unitName}` : ''}`);
  h2('Văn bản');
  if (directive) {
    field('Số, ký hiệu', `${directive.number}/${directive.symbol}`);
    field('Trích yếu', directive.subject);
    field('Cơ quan ban hành', directive.issuer.name);
    field('Nơi, ngày ban hành', `${directive.place}, ${directive.date}`);
    if (ctx?.ctx?.office) field('Văn phòng theo dõi', ctx.ctx.office.name);
    code('SHA-256 của văn bản', sha256(directiveText(directive)));
    p(
      `(mã băm của tệp văn bản gửi kèm thư cho các đơn vị, ${directive.number}-${directive.symbol}.txt, ` +
        'tính lại được từ tham số khởi động đợt gửi trong lịch sử workflow)',
    );
    if (directive.document) {
      code(`SHA-256 của tệp ký số (${directive.document.fileName})`, directive.document.sha256);
      p('(tệp văn bản đã ký số đính kèm mọi thư gửi văn bản; bản ghi "bắt đầu đợt gửi" nêu cùng mã băm này)');
    }
  } else p('Không có lịch sử của đợt gửi trong bản xuất: không xác định được văn bản.');
  field('Khóa đợt gửi', bundle.runKey);
  if (bundle.manifest?.exportedAt)
    field('Xuất lúc', `${hanoiTime(Date.parse(bundle.manifest.exportedAt))} (giờ Hà Nội)`);

  h2('Kết quả kiểm tra khi lập hồ sơ');
  const errors = findings.filter((f) => f.level === 'error');
  const warnings = findings.filter((f) => f.level === 'warning');
  p(
    errors.length
      ? `PHÁT HIỆN ${errors.length} LỖI: bản ghi kiểm toán KHÔNG đáng tin (xem dưới).`
      : `Không phát hiện sai lệch: chuỗi ${bundle.records.length} bản ghi hợp lệ, khớp với ${bundle.histories.length} lịch sử workflow` +
          (digests.length
            ? o.keyring
              ? `, ${digests.length} chữ ký số hợp lệ.`
              : `; ${digests.length} chữ ký số CHƯA kiểm (không có khóa công khai khi lập hồ sơ).`
            : '; không có chữ ký số.'),
  );
  const listFindings = (fs: Finding[], tag: string) => fs.forEach((f) => p(`${tag} [${f.kind}] ${f.message}`));
  listFindings(errors, 'LỖI');
  listFindings(warnings, 'LƯU Ý');

  if (o.unit) {
    h2(`Các hành vi (${records.length}), theo thứ tự trong sổ kiểm toán`);
    for (const r of records) {
      doc.moveDown(0.3);
      doc
        .font('bold')
        .fontSize(9.5)
        .text(`${hanoiTime(Date.parse(r.at))} (giờ Hà Nội) — ${KIND_LABEL[r.kind] ?? r.kind}`);
      p(`Người thực hiện, kênh: ${actorText(r)}`);
      for (const x of details(r))
        if (x.code) code(x.label, x.value);
        else p(`${x.label}: ${x.value}`);
      // Ids on lines of their own: a wrapped id would be split at a hyphen.
      code(`Bản ghi seq ${r.seq}, khóa`, r.key);
      code(`Lịch sử: sự kiện ${r.eventId} của workflow`, r.workflowId);
      code('SHA-256 bản ghi', r.hash);
      const d = coveringDigest(digests, r.seq);
      p(d ? `Được bao bởi chữ ký số thứ ${d.seq} (xem mục Chữ ký số).` : 'Chưa có chữ ký số nào bao bản ghi này.');
    }
  } else {
    h2('Các đơn vị');
    const units = [...new Set(bundle.records.map((r) => r.unit).filter((u): u is string => !!u))].sort();
    for (const u of units) {
      const rs = bundle.records.filter((r) => r.unit === u);
      const last = rs.at(-1)!;
      p(
        `${u}: ${rs.length} hành vi; gần nhất ${KIND_LABEL[last.kind] ?? last.kind} lúc ${hanoiTime(Date.parse(last.at))}` +
          ` (seq ${last.seq}). Hồ sơ riêng: chidao audit pack <thư mục> --unit ${u} --out ${u}.pdf`,
      );
    }
    h2('Hành vi của đợt gửi (không thuộc riêng đơn vị nào)');
    for (const r of bundle.records.filter((x) => !x.unit)) {
      doc.moveDown(0.2);
      p(`${hanoiTime(Date.parse(r.at))} — ${KIND_LABEL[r.kind] ?? r.kind} — ${actorText(r)}`);
      for (const x of details(r))
        if (x.code) code(x.label, x.value);
        else p(`${x.label}: ${x.value}`);
      code(`Bản ghi seq ${r.seq}, SHA-256`, r.hash);
    }
    const last = bundle.records.at(-1);
    if (last) {
      h2('Đầu chuỗi');
      code(`Bản ghi cuối: seq ${last.seq}, khóa`, last.key);
      code('SHA-256', last.hash);
    }
  }

  h2('Chữ ký số');
  const shown = o.unit
    ? [...new Set(records.map((r) => coveringDigest(digests, r.seq)).filter((d): d is AuditDigest => !!d))]
    : digests;
  if (!digests.length) p('Bản xuất không có chữ ký số: máy ghi sổ chưa bật ký số (CHIDAO_AUDIT_SIGNING_KEY).');
  for (const d of shown) {
    doc.moveDown(0.2);
    p(
      `Chữ ký số thứ ${d.seq}: lập ${hanoiTime(Date.parse(d.at))} (giờ Hà Nội), bao bản ghi seq 1–${d.records}, khóa ${d.keyId}`,
    );
    code(`Mã băm bản ghi seq ${d.records}`, d.lastHash);
    if (d.prevDigestHash) code('Mã băm chữ ký số trước', d.prevDigestHash);
    else p('Chữ ký số đầu tiên của đợt gửi.');
    code('Mã băm chữ ký số này', digestHash(d));
    code('Chữ ký Ed25519', d.signature);
  }

  h2('Cách kiểm tra lại');
  [
    '1. Nhận từ Văn phòng thư mục xuất kiểm toán (manifest.json, audit.jsonl, digests.jsonl, histories/) và, qua kênh riêng, tệp khóa công khai (keyring.json) mà Văn phòng đã công bố.',
    '2. Chạy: chidao audit verify <thư mục xuất> --keyring <keyring.json>. Kết quả "Chuỗi … bản ghi hợp lệ; … chữ ký số hợp lệ" với mã thoát 0 nghĩa là mọi bản ghi khớp với lịch sử workflow và với chữ ký số.',
    '3. Đối chiếu hồ sơ này với bản xuất: mỗi bản ghi nêu ở đây (theo seq) phải có đúng mã SHA-256 in ở trên trong audit.jsonl; mỗi chữ ký số có trong digests.jsonl.',
    '4. Chữ ký số là chữ ký Ed25519 trên JSON chuẩn hóa (khóa sắp theo thứ tự, không khoảng trắng) của chữ ký số bỏ trường "signature"; kiểm được bằng bất kỳ công cụ Ed25519 nào với khóa công khai có mã khóa tương ứng.',
  ].forEach((t) => p(t).moveDown(0.2));

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin: lift the margin so pdfkit does not start a page for it.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('body')
      .fontSize(7.5)
      .text(
        `chidao · ${bundle.runKey}${o.unit ? ` · ${o.unit}` : ''} · trang ${i + 1}/${range.count}`,
        50,
        doc.page.height - 35,
        {
          align: 'center',
          width: doc.page.width - 100,
        },
      );
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  await done;
  return { pages: range.count };
}

/** The pack in memory, for a download. */
export async function evidencePackPdf(bundle: AuditBundle, o: Omit<PackOptions, 'out'>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
  await writeEvidencePack(bundle, { ...o, out });
  return Buffer.concat(chunks);
}
