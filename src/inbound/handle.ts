import { Readable } from 'node:stream';
import { join } from 'node:path';
import type { Office } from '../office/office';
import { OfficeRefusal } from '../office/refusal';
import { keepUpload, receiveUpload, UploadRefused } from '../files/uploads';
import { authFailure, authPassed, type AuthVerdict } from './auth';
import { classify, type InboundMessage } from './classify';
import type { InboundFile, InboundLog, InboundRecord } from './inbound-log';
import { unitOf, type OurMessage } from './our-ids';

export interface InboundDeps {
  office: Office;
  log: InboundLog;
  /** Where reply attachments wait for a follow-up officer: CHIDAO_DATA_DIR/inbound/files. */
  filesDir: string;
  uploadMaxBytes: number;
  messageIdDomain: string;
  /** The Office's own addresses: never taken for a unit's in a plain-text bounce. */
  ownAddresses: string[];
  verify: (raw: Buffer, header: string) => Promise<AuthVerdict>;
  /** Act on a reply only when DKIM or SPF passed (CHIDAO_INBOUND_REQUIRE_AUTH). */
  requireAuth: boolean;
  authServId?: string | undefined;
  /** The X-Chidao-Check of our message: a bounce that does not quote it is not believed. */
  checkOf: (messageId: string) => string;
  now?: () => number;
}

type Decision = Pick<InboundRecord, 'outcome' | 'detail' | 'state'> &
  Partial<Pick<InboundRecord, 'runKey' | 'unit' | 'text' | 'files' | 'refusedFiles'>>;

/** The verdict as the audit record keeps it: "dkim=none; spf=none; server: dkim=pass …". */
export const authText = (a: AuthVerdict): string =>
  `dkim=${a.dkim}; spf=${a.spf}${a.header ? `; máy chủ: ${a.header.replace(/\s+/g, ' ')}` : ''}`.slice(0, 300);

const refusalText = (e: unknown) => {
  if (e instanceof OfficeRefusal) return e.message;
  throw e;
};

/**
 * Reads one message and does what it asks, once: a message already in the log (a retry, the same
 * message delivered twice) is not acted on again. Every act goes through the Office service, as an act
 * of the channel "email", so the unit's history and the audit trail record it like a click on a link.
 */
export async function handleInbound(raw: Buffer, deps: InboundDeps): Promise<InboundRecord> {
  const msg = await classify(raw, deps.messageIdDomain, deps.ownAddresses);
  const prior = deps.log.get(msg.messageId);
  if (prior) return prior;
  const auth = await deps.verify(raw, msg.authenticationResults);
  const d = await decide(msg, auth, deps);
  return deps.log.add({
    messageId: msg.messageId,
    at: new Date((deps.now ?? Date.now)()).toISOString(),
    kind: msg.kind,
    from: msg.from,
    fromName: msg.fromName,
    subject: msg.subject,
    auth,
    ...d,
  });
}

async function decide(msg: InboundMessage, auth: AuthVerdict, deps: InboundDeps): Promise<Decision> {
  const ref = msg.refs[0];
  const code = ref && unitOf(ref);
  const where = ref ? { runKey: ref.runKey, ...(code ? { unit: code } : {}) } : {};
  if (msg.kind === 'other' || !ref)
    return { outcome: 'unmatched', state: 'open', detail: 'Thư không gắn với văn bản nào chidao đã gửi.' };
  if (msg.kind === 'bounce') return { ...where, ...(await onBounce(msg, ref, code, deps)) };
  if (msg.kind === 'auto-reply')
    return {
      ...where,
      outcome: 'noted',
      state: 'done',
      detail: 'Thư trả lời tự động: chỉ ghi nhận, không coi là xác nhận.',
    };
  if (!code)
    return {
      ...where,
      outcome: 'unmatched',
      state: 'open',
      detail: `Thư trả lời một thư gửi ${ref.party}, không phải gửi đơn vị: Văn phòng xem.`,
    };
  return { ...where, ...(await onReply(msg, auth, ref, code, deps)) };
}

async function onBounce(
  msg: InboundMessage,
  ref: OurMessage,
  code: string | undefined,
  deps: InboundDeps,
): Promise<Decision> {
  const failed = msg.recipients.filter((r) => r.action === 'failed' && !r.status.startsWith('4'));
  const list = (rs: typeof msg.recipients) => rs.map((r) => `${r.address} (${r.status || '?'})`).join(', ');
  if (!failed.length)
    return {
      outcome: 'delayed',
      state: 'done',
      detail: `Máy chủ thư báo chậm chuyển (${list(msg.recipients)}); máy chủ còn thử lại, chidao chưa làm gì.`,
    };
  if (!code)
    return {
      outcome: 'unmatched',
      state: 'open',
      detail: `Thư gửi ${ref.party} bị trả lại: ${list(failed)}.`,
    };
  if (!msg.checks.includes(deps.checkOf(ref.id)))
    return {
      outcome: 'unmatched',
      state: 'open',
      detail: `Thư báo lỗi cho ${code} (${list(failed)}) không trích lại mã kiểm tra của thư đã gửi, nên chidao không coi là thật; Văn phòng xem và sửa địa chỉ nếu cần.`,
    };
  const first = failed[0]!;
  try {
    await deps.office.bounce({
      key: ref.runKey,
      unit: code,
      by: { channel: 'email', by: msg.from || 'MAILER-DAEMON', via: 'email' },
      addresses: failed.map((r) => r.address),
      status: /^5\./.test(first.status) ? first.status : '5.0.0',
      diagnostic: first.diagnostic,
      messageId: ref.id,
      reportId: msg.messageId,
    });
    return {
      outcome: 'bounced',
      state: 'done',
      detail: `Địa chỉ không nhận thư: ${list(failed)}. Văn phòng đã được báo.`,
    };
  } catch (e) {
    const why = refusalText(e);
    const open = e instanceof OfficeRefusal && e.type === 'NotUnitAddress';
    return { outcome: open ? 'unmatched' : 'noted', state: open ? 'open' : 'done', detail: `${list(failed)}: ${why}` };
  }
}

async function onReply(
  msg: InboundMessage,
  auth: AuthVerdict,
  ref: OurMessage,
  code: string,
  deps: InboundDeps,
): Promise<Decision> {
  const text = msg.text;
  const unit = await deps.office.unit(ref.runKey, code).catch((e: unknown) => refusalText(e));
  if (typeof unit === 'string') return { outcome: 'noted', state: 'done', text, detail: unit };
  const registered = unit.unit.emails.some((e) => e.toLowerCase() === msg.from.toLowerCase());
  const { files, refusedFiles } = await keepAttachments(msg, deps);
  const kept = { text, ...(files.length ? { files } : {}), ...(refusedFiles.length ? { refusedFiles } : {}) };
  if (!registered)
    return {
      ...kept,
      outcome: 'foreign-sender',
      state: 'open',
      detail: `${msg.from} không phải địa chỉ đã đăng ký của ${unit.unit.name}: chưa ghi nhận; Văn phòng xem và quyết định.`,
    };
  const failure =
    authFailure(auth) ??
    (deps.requireAuth && !authPassed(auth, deps.authServId) ? 'chưa xác thực được người gửi (DKIM, SPF)' : undefined);
  if (failure)
    return {
      ...kept,
      outcome: 'auth-failed',
      state: 'open',
      detail: `Thư của ${unit.unit.name}: ${failure}; chờ Văn phòng xác nhận.`,
    };
  const ack = await deps.office
    .acknowledge({
      key: ref.runKey,
      unit: code,
      by: { channel: 'email', by: msg.from, via: 'email', auth: authText(auth) },
    })
    .then(() => `${unit.unit.name} xác nhận đã nhận qua thư trả lời.`)
    .catch((e: unknown) => refusalText(e));
  if (files.length)
    return {
      ...kept,
      outcome: 'report-pending',
      state: 'open',
      detail: `${ack} Thư kèm ${files.length} tệp: chờ chuyên viên xác nhận là báo cáo của đơn vị.`,
    };
  return { ...kept, outcome: 'acknowledged', state: 'done', detail: ack };
}

/** Attachments of the allowed report types and size, kept by content; the others are named with why. */
async function keepAttachments(msg: InboundMessage, deps: InboundDeps) {
  const files: InboundFile[] = [];
  const refusedFiles: string[] = [];
  for (const a of msg.attachments) {
    try {
      const up = await receiveUpload(
        Readable.from(a.content),
        a.fileName,
        join(deps.filesDir, '.incoming'),
        deps.uploadMaxBytes,
      );
      files.push({ fileName: up.fileName, sha256: up.sha256, bytes: up.bytes, path: keepUpload(up, deps.filesDir) });
    } catch (e) {
      if (!(e instanceof UploadRefused)) throw e;
      refusedFiles.push(e.message);
    }
  }
  return { files, refusedFiles };
}
