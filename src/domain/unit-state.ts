import type { RecipientInfo } from './plan';
import type { Policy, ReportObligation } from './policy';

/**
 * The life of one implementing unit. Stages map one-to-one onto edXML status codes (QCVN 102:2016)
 * where one exists, so edXML import/export can come later.
 */
export const STAGES = [
  'dispatching',
  'undeliverable',
  'dispatched',
  'acknowledged',
  'reported',
  'returned',
  'done',
  'recalled',
  'closed',
] as const;
export type Stage = (typeof STAGES)[number];

export const EDXML_STATUS: Partial<Record<Stage, string>> = {
  dispatched: '01', // Đã đến
  acknowledged: '03', // Đã tiếp nhận
  reported: '05', // Đang xử lý
  returned: '05',
  done: '06', // Hoàn thành
  recalled: '13', // Lấy lại
};

export const STAGE_LABEL: Record<Stage, string> = {
  dispatching: 'Đang gửi',
  undeliverable: 'Không gửi được',
  dispatched: 'Đã gửi, chờ xác nhận',
  acknowledged: 'Đã tiếp nhận, chờ báo cáo',
  reported: 'Đã báo cáo, chờ duyệt',
  returned: 'Trả lại, chờ báo cáo lại',
  done: 'Hoàn thành',
  recalled: 'Đã thu hồi',
  closed: 'Đã kết thúc',
};

export type Channel = 'link' | 'office' | 'email';

/** Who did an act and how: a unit through its link, or the Office on its behalf (phone, paper). */
export interface Actor {
  channel: Channel;
  by: string;
  ip?: string;
  userAgent?: string;
}

/** A refusal a caller can act on; the workflow turns it into an ApplicationFailure of this type. */
export class LifecycleRefusal extends Error {
  override readonly name = 'LifecycleRefusal';
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export interface ReportRecord {
  obligation: string;
  cycle: number;
  submittedAt: number;
  by: Actor;
  text: string;
  fileName?: string;
  sha256?: string;
  verdict?: 'accepted' | 'returned';
  verdictReason?: string;
}

export interface Difficulty {
  id: number;
  text: string;
  raisedAt: number;
  by: Actor;
  answer?: { text: string; at: number; by: string };
}

export interface Extension {
  at: number;
  target: 'acknowledge' | 'report';
  from: number;
  until: number;
  reason: string;
  by: string;
}

/** One report due: the obligation, and for recurring ones the cycle (0-based). */
export interface ReportCycle {
  obligation: ReportObligation;
  cycle: number;
}

export interface UnitSnapshot {
  unit: RecipientInfo;
  stage: Stage;
  overdue: boolean;
  escalationLevel: number;
  remindersSent: number;
  dispatchedAt?: number;
  acknowledgedAt?: number;
  ackDeadline?: number;
  /** Index into the policy's reports of the one being waited for, and its cycle. */
  reportIndex: number;
  reportCycle: number;
  reportDeadline?: number;
  reports: ReportRecord[];
  difficulties: Difficulty[];
  extensions: Extension[];
  extensionRequests: { at: number; until: number; reason: string }[];
  /** Keys of reminders/escalations already handled, so a retry or an extension never doubles them. */
  firedKeys: string[];
  /** When the current deadline was set: reminders already past by then are not sent. */
  deadlineSetAt?: number;
  deliveryError?: string;
  stopReason?: string;
}

export function newSnapshot(unit: RecipientInfo): UnitSnapshot {
  return {
    unit,
    stage: 'dispatching',
    overdue: false,
    escalationLevel: 0,
    remindersSent: 0,
    reportIndex: 0,
    reportCycle: 0,
    reports: [],
    difficulties: [],
    extensions: [],
    extensionRequests: [],
    firedKeys: [],
  };
}

const FINAL: Stage[] = ['done', 'recalled', 'closed'];

/** State transitions with their guards; no Temporal, no clock: times are passed in. */
export class UnitLifecycleState {
  constructor(public s: UnitSnapshot, readonly policy: Policy) {}

  get stopped(): boolean {
    return FINAL.includes(this.s.stage);
  }

  /** The deadline the unit is being followed against right now, if any. */
  currentDeadline(): { target: 'acknowledge' | 'report'; at: number } | undefined {
    if (this.s.stage === 'dispatched' && this.s.ackDeadline !== undefined) return { target: 'acknowledge', at: this.s.ackDeadline };
    if ((this.s.stage === 'acknowledged' || this.s.stage === 'returned') && this.s.reportDeadline !== undefined)
      return { target: 'report', at: this.s.reportDeadline };
    return undefined;
  }

  currentReport(): ReportCycle | undefined {
    const obligation = this.policy.reports[this.s.reportIndex];
    return obligation && { obligation, cycle: this.s.reportCycle };
  }

  private refuseIfStopped(): void {
    if (this.s.stage === 'recalled') throw new LifecycleRefusal('DirectiveRecalled', 'Văn bản đã bị thu hồi; không thể thực hiện thao tác này.');
    if (this.s.stage === 'closed' || this.s.stage === 'done') throw new LifecycleRefusal('RunClosed', 'Việc theo dõi đơn vị này đã kết thúc.');
  }

  dispatched(at: number, ackDeadline: number): void {
    this.s.stage = 'dispatched';
    this.s.dispatchedAt = at;
    this.s.ackDeadline = ackDeadline;
    delete this.s.deliveryError;
  }

  undeliverable(error: string): void {
    this.s.stage = 'undeliverable';
    this.s.deliveryError = error;
  }

  checkAcknowledge(): void {
    this.refuseIfStopped();
    if (this.s.stage === 'dispatching' || this.s.stage === 'undeliverable')
      throw new LifecycleRefusal('NotDelivered', 'Văn bản chưa được gửi tới đơn vị; chưa thể xác nhận đã nhận.');
    if (this.s.acknowledgedAt !== undefined) throw new LifecycleRefusal('AlreadyAcknowledged', 'Đơn vị đã xác nhận nhận văn bản trước đó.');
  }

  acknowledge(at: number, reportDeadline: number | undefined): void {
    this.checkAcknowledge();
    this.s.acknowledgedAt = at;
    this.s.overdue = false;
    this.s.escalationLevel = 0;
    this.s.reportDeadline = reportDeadline;
    this.s.stage = reportDeadline === undefined ? 'done' : 'acknowledged';
  }

  checkReport(obligation?: string): ReportCycle {
    this.refuseIfStopped();
    const cur = this.currentReport();
    if (!cur) throw new LifecycleRefusal('NoReportDue', 'Văn bản này không yêu cầu báo cáo.');
    if (this.s.stage === 'reported') throw new LifecycleRefusal('ReportPending', 'Báo cáo trước đang chờ Văn phòng xem xét.');
    if (this.s.stage !== 'acknowledged' && this.s.stage !== 'returned' && this.s.stage !== 'dispatched')
      throw new LifecycleRefusal('NotDelivered', 'Văn bản chưa được gửi tới đơn vị.');
    if (obligation !== undefined && obligation !== cur.obligation.id)
      throw new LifecycleRefusal('WrongReport', `Báo cáo đang chờ là "${cur.obligation.id}", không phải "${obligation}".`);
    return cur;
  }

  /** A report implies receipt: an unacknowledged unit that reports is acknowledged too. */
  submitReport(at: number, rec: Omit<ReportRecord, 'obligation' | 'cycle' | 'submittedAt'>): ReportRecord {
    const cur = this.checkReport();
    if (this.s.acknowledgedAt === undefined) this.s.acknowledgedAt = at;
    const record: ReportRecord = { obligation: cur.obligation.id, cycle: cur.cycle, submittedAt: at, ...rec };
    this.s.reports.push(record);
    this.s.stage = 'reported';
    this.s.overdue = false;
    this.s.escalationLevel = 0;
    return record;
  }

  private pendingReport(): ReportRecord {
    const last = this.s.reports[this.s.reports.length - 1];
    if (this.s.stage !== 'reported' || !last || last.verdict)
      throw new LifecycleRefusal('NoReportPending', 'Không có báo cáo nào đang chờ xem xét.');
    return last;
  }

  checkReview(): void {
    this.refuseIfStopped();
    this.pendingReport();
  }

  /** Accepts the pending report; returns whether another report (or cycle) is due. */
  accept(): boolean {
    this.checkReview();
    this.pendingReport().verdict = 'accepted';
    const cur = this.currentReport()!;
    const recurrence = cur.obligation.recurrence;
    if (recurrence && cur.cycle + 1 < recurrence.count) this.s.reportCycle++;
    else {
      this.s.reportIndex++;
      this.s.reportCycle = 0;
    }
    delete this.s.reportDeadline;
    if (!this.currentReport()) {
      this.s.stage = 'done';
      return false;
    }
    this.s.stage = 'acknowledged';
    return true;
  }

  returnReport(reason: string, newDeadline: number): void {
    this.checkReview();
    const r = this.pendingReport();
    r.verdict = 'returned';
    r.verdictReason = reason;
    this.s.reportDeadline = newDeadline;
    this.s.stage = 'returned';
  }

  checkExtend(until: number): { target: 'acknowledge' | 'report'; at: number } {
    this.refuseIfStopped();
    const cur = this.currentDeadline();
    if (!cur) throw new LifecycleRefusal('NothingToExtend', 'Đơn vị không có hạn nào đang chờ để gia hạn.');
    if (until <= cur.at) throw new LifecycleRefusal('NotLater', 'Hạn mới phải sau hạn hiện tại.');
    return cur;
  }

  extend(at: number, until: number, reason: string, by: string): Extension {
    const cur = this.checkExtend(until);
    const ext: Extension = { at, target: cur.target, from: cur.at, until, reason, by };
    this.s.extensions.push(ext);
    if (cur.target === 'acknowledge') this.s.ackDeadline = until;
    else this.s.reportDeadline = until;
    this.s.overdue = false;
    this.s.escalationLevel = 0;
    this.s.extensionRequests = [];
    return ext;
  }

  requestExtension(at: number, until: number, reason: string): void {
    this.checkExtend(until);
    this.s.extensionRequests.push({ at, until, reason });
  }

  raiseDifficulty(at: number, text: string, by: Actor): Difficulty {
    this.refuseIfStopped();
    if (!text.trim()) throw new LifecycleRefusal('EmptyText', 'Nội dung vướng mắc không được để trống.');
    const d: Difficulty = { id: this.s.difficulties.length + 1, text, raisedAt: at, by };
    this.s.difficulties.push(d);
    return d;
  }

  checkAnswer(id: number): Difficulty {
    const d = this.s.difficulties.find((x) => x.id === id);
    if (!d) throw new LifecycleRefusal('UnknownDifficulty', `Không có vướng mắc số ${id}.`);
    if (d.answer) throw new LifecycleRefusal('AlreadyAnswered', `Vướng mắc số ${id} đã được trả lời.`);
    return d;
  }

  answer(id: number, text: string, at: number, by: string): Difficulty {
    const d = this.checkAnswer(id);
    d.answer = { text, at, by };
    return d;
  }

  checkCorrectAddress(emails: string[]): void {
    this.refuseIfStopped();
    if (!emails.length) throw new LifecycleRefusal('NoAddress', 'Cần ít nhất một địa chỉ email.');
  }

  correctAddress(emails: string[]): void {
    this.checkCorrectAddress(emails);
    this.s.unit = { ...this.s.unit, emails };
  }

  stop(stage: 'recalled' | 'closed', reason: string): void {
    if (this.stopped) return;
    this.s.stage = stage;
    this.s.stopReason = reason;
  }
}
