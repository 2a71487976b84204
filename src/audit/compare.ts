import { messageId, type MessageRequest } from '../domain/messages';
import { localId, type HistoryAct } from './events';
import { canonicalJson, type AuditRecord } from './record';

/** How verify compares a record with its history: labels in Vietnamese, leaves by dotted path, and pairs. */
const FIELD_LABEL: Record<string, string> = {
  at: 'thời điểm',
  kind: 'loại hành vi',
  unit: 'đơn vị',
  eventId: 'sự kiện',
  runKey: 'văn bản',
  'actor.by': 'người thực hiện',
  'actor.channel': 'kênh',
  'actor.ip': 'địa chỉ IP',
  'actor.userAgent': 'trình duyệt',
  'actor.auth': 'xác thực thư (DKIM, SPF)',
  'data.to': 'người nhận',
  'data.messageId': 'Message-ID',
  'data.messageKind': 'loại thư',
  'data.party': 'bên nhận',
  'data.accepted': 'địa chỉ máy chủ thư nhận',
  'data.rejected': 'địa chỉ máy chủ thư từ chối',
  'data.sha256': 'mã SHA-256 của tệp báo cáo',
  'data.fileName': 'tên tệp báo cáo',
  'data.textLength': 'độ dài báo cáo',
  'data.until': 'hạn mới',
  'data.from': 'hạn cũ',
  'data.reason': 'lý do',
  'data.note': 'ghi chú',
  'data.text': 'nội dung',
  'data.codes': 'các đơn vị',
  'data.stage': 'giai đoạn',
  'data.target': 'hạn được gia',
  'data.id': 'số vướng mắc',
};

export const label = (path: string) => FIELD_LABEL[path] ?? path;
export const show = (v: unknown) => {
  const s = v === undefined ? '(không có)' : canonicalJson(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
};
export const hn = (ms: number) =>
  new Date(ms + 7 * 3600_000).toISOString().replace('T', ' ').replace('Z', '') + ' (giờ Hà Nội)';

/** Leaves of a JSON value by dotted path; arrays are compared whole. */
export function leaves(v: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (x !== undefined) leaves(x, path ? `${path}.${k}` : k, out);
  } else out.set(path, canonicalJson(v));
  return out;
}

export function get(v: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as never)[k] : undefined), v);
}

/** A pair to compare: the record's field (dotted path), its value, and the history's. */
export type Pair = [path: string, mine: unknown, theirs: unknown];

/** The record against the update that caused it: actor, file hash, reasons, dates as they were sent. */
export function updatePairs(r: AuditRecord, u: HistoryAct): Pair[] {
  const arg = (u.args?.[0] ?? {}) as Record<string, unknown>;
  const actorOf = (v: unknown) => (typeof v === 'string' ? { channel: 'office', by: v } : v);
  const pairs: Pair[] = [];
  // Acts whose one argument is the actor itself.
  const byArg = u.update === 'acknowledge' || u.update === 'markViewed' ? arg : arg.by;
  pairs.push(['actor', r.actor, actorOf(byArg)]);
  const same: Record<string, string[]> = {
    submitReport: ['sha256', 'fileName', 'obligation'],
    returnReport: ['reason'],
    extend: ['reason'],
    requestExtension: ['reason'],
    raiseDifficulty: ['text'],
    answerDifficulty: ['id', 'text'],
    close: ['note'],
    recall: ['reason'],
    correct: ['changes'],
    receiveCorrection: ['version', 'changes'],
    bounce: ['status', 'messageId', 'reportId'],
  };
  for (const f of same[u.update!] ?? []) if (arg[f] !== undefined) pairs.push([`data.${f}`, r.data[f], arg[f]]);
  if (u.update === 'submitReport') pairs.push(['data.textLength', r.data.textLength, String(arg.text ?? '').length]);
  if (u.update === 'correctAddress') pairs.push(['data.to', r.data.to, arg.emails]);
  if (u.update === 'addRecipients')
    pairs.push(['data.codes', r.data.codes, ((arg.recipients ?? []) as { code: string }[]).map((x) => x.code)]);
  return pairs;
}

/** A message's record against its send activity's input (request) and result. */
export function messagePairs(
  r: AuditRecord,
  req: MessageRequest | undefined,
  result: { messageId?: string; accepted?: string[]; rejected?: string[] } | undefined,
): Pair[] {
  const sent = r.kind === 'message-sent';
  const id = req ? messageId(req, 'x') : result?.messageId;
  const pairs: Pair[] = [['data.messageId', localId(String(r.data.messageId)), id && localId(id)]];
  if (req) {
    const unit = 'unit' in req && req.unit ? req.unit.code : undefined;
    pairs.push(
      ['data.to', r.data.to, req.to],
      ['data.messageKind', r.data.messageKind, req.kind],
      ['data.party', r.data.party, req.party],
      ['unit', r.unit, unit],
      ['eventId', r.eventId, req.eventId ?? 0],
    );
  }
  if (sent && result) pairs.push(['data.accepted', r.data.accepted, result.accepted]);
  if (sent && result) pairs.push(['data.rejected', r.data.rejected, result.rejected]);
  return pairs;
}
