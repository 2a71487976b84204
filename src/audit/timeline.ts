import { VIA_LABEL, type Via } from '../domain/unit-model';
import { vnDateTime } from '../domain/vn-format';
import { ROLE_LABEL } from '../domain/roles';
import { actsOf } from './events';
import type { NamedHistory } from './histories';

export const MESSAGE_LABEL: Record<string, string> = {
  dispatch: 'gửi văn bản',
  reminder: 'nhắc hạn (đôn đốc)',
  escalation: 'thông báo quá hạn',
  undeliverable: 'báo Văn phòng: không gửi được',
  'report-received': 'chuyển báo cáo tới Văn phòng',
  'report-accepted': 'báo chấp nhận báo cáo',
  'report-returned': 'trả lại báo cáo',
  'extension-requested': 'chuyển đề nghị gia hạn tới Văn phòng',
  'extension-granted': 'báo gia hạn',
  'deadline-moved': 'báo thời hạn thay đổi theo lịch nghỉ',
  'difficulty-raised': 'chuyển vướng mắc tới Văn phòng',
  'difficulty-answered': 'trả lời vướng mắc',
  recall: 'thông báo thu hồi',
  digest: 'tổng hợp gửi Văn phòng',
  summary: 'báo cáo kết quả',
  'unit-failed': 'báo Văn phòng: theo dõi đơn vị bị lỗi',
  'mail-restored': 'báo Văn phòng: máy chủ thư hoạt động lại',
};

const UPDATE_LABEL: Record<string, string> = {
  acknowledge: 'xác nhận đã nhận',
  submitReport: 'gửi báo cáo',
  acceptReport: 'Văn phòng chấp nhận báo cáo',
  returnReport: 'Văn phòng trả lại báo cáo',
  extend: 'Văn phòng gia hạn',
  requestExtension: 'đề nghị gia hạn',
  raiseDifficulty: 'phản ánh vướng mắc',
  answerDifficulty: 'Văn phòng trả lời vướng mắc',
  correctAddress: 'sửa địa chỉ thư',
  bounce: 'thư báo lỗi: địa chỉ không nhận thư',
  close: 'Văn phòng kết thúc đợt gửi',
  recall: 'Văn phòng thu hồi văn bản',
  addRecipients: 'thêm nơi nhận',
};

export interface TimelineEntry {
  at: number;
  workflowId: string;
  eventId: number;
  text: string;
}

function unitOf(workflowId: string): string {
  return /\/unit\/(.+)$/.exec(workflowId)?.[1] ?? (/\/batch-\d+$/.test(workflowId) ? 'lô' : 'đợt gửi');
}

/** Who was told what, when, and what each did, from the histories alone, in Asia/Ho_Chi_Minh time. */
export function timeline(histories: NamedHistory[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const h of histories) {
    const who = unitOf(h.workflowId);
    for (const a of actsOf(h).acts) {
      let text: string | undefined;
      if (a.kind === 'message' && a.request) {
        const r = a.request;
        const role = r.kind === 'dispatch' && 'role' in r ? ` (${ROLE_LABEL[r.role]})` : '';
        text = `${MESSAGE_LABEL[r.kind] ?? r.kind}${role} → ${r.to.join(', ')}`;
      } else if (a.kind === 'message') text = 'tổng hợp gửi Văn phòng';
      else if (a.kind === 'delivery-failed' && a.request)
        text = `KHÔNG GỬI ĐƯỢC ${MESSAGE_LABEL[a.request.kind] ?? a.request.kind} → ${a.request.to.join(', ')}`;
      else if (a.kind === 'update' && a.update && a.update !== 'addRecipients') {
        const arg = a.args?.[0] as { by?: unknown; channel?: string; via?: Via } | undefined;
        const by =
          typeof arg?.by === 'string'
            ? arg.by
            : ((arg?.by as { by?: string } | undefined)?.by ?? (arg as { by?: string })?.by);
        const actor = (arg && 'channel' in arg ? arg : arg?.by) as { channel?: string; via?: Via } | undefined;
        const channel = actor?.channel;
        const via = actor?.via ? ` ${VIA_LABEL[actor.via]}` : '';
        text = `${UPDATE_LABEL[a.update] ?? a.update}${by ? ` — ${by}` : ''}${channel ? ` [${channel}]` : ''}${via}`;
      } else if (a.kind === 'signal' && a.signal === 'stop') {
        const s = a.args?.[0] as { stage?: string } | undefined;
        text = s?.stage === 'recalled' ? 'dừng theo dõi: văn bản bị thu hồi' : 'dừng theo dõi: đợt gửi kết thúc';
      }
      if (text) out.push({ at: a.at, workflowId: h.workflowId, eventId: a.eventId, text: `${who}: ${text}` });
    }
  }
  return out.sort((x, y) => x.at - y.at || x.workflowId.localeCompare(y.workflowId) || x.eventId - y.eventId);
}

export function renderTimeline(entries: TimelineEntry[]): string {
  return entries.map((e) => `${vnDateTime(e.at)}  ${e.text}`).join('\n');
}
