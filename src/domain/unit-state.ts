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
  /** The lifecycle itself failed (a bug, a terminated workflow): the batch marks it so it never looks like waiting. */
  'failed',
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
  failed: 'Lỗi hệ thống, cần kiểm tra',
};

/**
 * Bounds on what a unit (through its link) or the Office can put into a lifecycle. Each update is kept
 * in the workflow's history, so unbounded text or lists would let one link holder grow it past
 * Temporal's limits. Lengths are in characters (after NFC).
 */
export const LIMITS = {
  /** Report text; the file goes beside it, not in it. */
  reportText: 50_000,
  difficultyText: 4_000,
  answerText: 4_000,
  /** Reasons and notes: extension, return, recall, close. */
  reason: 1_000,
  /** Difficulties a unit may raise in one lifecycle, and how many may wait for an answer at once. */
  difficulties: 20,
  openDifficulties: 5,
  /** Extension requests a unit may make, and how many may wait for a decision at once. */
  extensionRequests: 10,
  openExtensionRequests: 3,
  /** Addresses of one unit. */
  emails: 10,
  emailLength: 254,
} as const;

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
  /** Requests made over the lifecycle (the list above empties when the Office decides). */
  extensionRequestsMade?: number;
  /** Keys of reminders/escalations already handled, so a retry or an extension never doubles them. */
  firedKeys: string[];
  /** When the current deadline was set: reminders already past by then are not sent. */
  deadlineSetAt?: number;
  deliveryError?: string;
  /** Addresses SMTP refused while others of the unit accepted the dispatch (a partial refusal). */
  rejectedAddresses?: string[];
  stopReason?: string;
  /** Signed links carry it; an address correction bumps it, so links sent to the old address stop working. */
  linkGeneration?: number;
}

/** What an update answers: small and bounded, whatever the unit's history of reports and difficulties. */
export interface UnitBrief {
  unit: { code: string; name: string };
  stage: Stage;
  overdue: boolean;
  escalationLevel: number;
  remindersSent: number;
  dispatchedAt?: number | undefined;
  acknowledgedAt?: number | undefined;
  ackDeadline?: number | undefined;
  reportIndex: number;
  reportCycle: number;
  reportDeadline?: number | undefined;
}

export function briefOf(s: UnitSnapshot): UnitBrief {
  return {
    unit: { code: s.unit.code, name: s.unit.name },
    stage: s.stage,
    overdue: s.overdue,
    escalationLevel: s.escalationLevel,
    remindersSent: s.remindersSent,
    dispatchedAt: s.dispatchedAt,
    acknowledgedAt: s.acknowledgedAt,
    ackDeadline: s.ackDeadline,
    reportIndex: s.reportIndex,
    reportCycle: s.reportCycle,
    reportDeadline: s.reportDeadline,
  };
}

/** Refuses text that is empty (when required) or longer than its limit. */
export function checkText(text: string, max: number, what: string, required = true): void {
  if (typeof text !== 'string') throw new LifecycleRefusal('BadInput', `${what}: phải là văn bản.`);
  if (required && !text.trim()) throw new LifecycleRefusal('EmptyText', `${what} không được để trống.`);
  if (text.length > max) throw new LifecycleRefusal('TooLong', `${what} dài ${text.length.toLocaleString('vi-VN')} ký tự, vượt giới hạn ${max.toLocaleString('vi-VN')} ký tự.`);
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

/** Stages after which nothing more happens to a unit. */
export const FINAL_STAGES: readonly Stage[] = ['done', 'recalled', 'closed', 'failed'];
const FINAL = FINAL_STAGES;

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

  /**
   * The dispatch reached the unit after the run was recalled or closed while it was being sent: the
   * unit has the directive, but its follow-up must not resume.
   */
  deliveredAfterStop(at: number): void {
    this.s.dispatchedAt = at;
    delete this.s.deliveryError;
  }

  /** Some of the unit's addresses refused the dispatch while others accepted it. */
  partlyRefused(rejected: string[], error: string): void {
    this.s.rejectedAddresses = rejected;
    this.s.deliveryError = error;
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

  /** A report's own rules on top of checkReport: its text within bounds. */
  checkSubmitReport(text: string, obligation?: string): ReportCycle {
    const cur = this.checkReport(obligation);
    checkText(text, LIMITS.reportText, 'Nội dung báo cáo');
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

  checkReturn(reason: string): void {
    this.checkReview();
    checkText(reason, LIMITS.reason, 'Lý do trả lại báo cáo');
  }

  returnReport(reason: string, newDeadline: number): void {
    this.checkReview();
    const r = this.pendingReport();
    r.verdict = 'returned';
    r.verdictReason = reason;
    this.s.reportDeadline = newDeadline;
    this.s.stage = 'returned';
  }

  checkExtend(until: number, reason?: string): { target: 'acknowledge' | 'report'; at: number } {
    this.refuseIfStopped();
    if (reason !== undefined) checkText(reason, LIMITS.reason, 'Lý do gia hạn', false);
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

  checkRequestExtension(until: number, reason: string): void {
    this.checkExtend(until);
    checkText(reason, LIMITS.reason, 'Lý do đề nghị gia hạn');
    if (this.s.extensionRequests.length >= LIMITS.openExtensionRequests)
      throw new LifecycleRefusal('TooMany', `Đơn vị đã có ${LIMITS.openExtensionRequests} đề nghị gia hạn chờ quyết định; đề nghị chờ Văn phòng trả lời.`);
    if (this.requestsMade() >= LIMITS.extensionRequests)
      throw new LifecycleRefusal('TooMany', `Đơn vị đã gửi ${LIMITS.extensionRequests} đề nghị gia hạn; đề nghị liên hệ trực tiếp Văn phòng.`);
  }

  requestExtension(at: number, until: number, reason: string): void {
    this.checkRequestExtension(until, reason);
    this.s.extensionRequestsMade = this.requestsMade() + 1;
    this.s.extensionRequests.push({ at, until, reason });
  }

  private requestsMade(): number {
    return this.s.extensionRequestsMade ?? this.s.extensionRequests.length;
  }

  checkRaiseDifficulty(text: string): void {
    this.refuseIfStopped();
    checkText(text, LIMITS.difficultyText, 'Nội dung vướng mắc');
    if (this.s.difficulties.length >= LIMITS.difficulties)
      throw new LifecycleRefusal('TooMany', `Đơn vị đã gửi ${LIMITS.difficulties} vướng mắc; đề nghị liên hệ trực tiếp Văn phòng.`);
    if (this.s.difficulties.filter((d) => !d.answer).length >= LIMITS.openDifficulties)
      throw new LifecycleRefusal('TooMany', `Đơn vị đang có ${LIMITS.openDifficulties} vướng mắc chờ trả lời; đề nghị chờ Văn phòng trả lời trước khi gửi thêm.`);
  }

  raiseDifficulty(at: number, text: string, by: Actor): Difficulty {
    this.checkRaiseDifficulty(text);
    const d: Difficulty = { id: this.s.difficulties.length + 1, text, raisedAt: at, by };
    this.s.difficulties.push(d);
    return d;
  }

  checkAnswer(id: number, text?: string): Difficulty {
    if (text !== undefined) checkText(text, LIMITS.answerText, 'Nội dung trả lời');
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
    if (!Array.isArray(emails) || !emails.length) throw new LifecycleRefusal('NoAddress', 'Cần ít nhất một địa chỉ email.');
    if (emails.length > LIMITS.emails) throw new LifecycleRefusal('TooMany', `Mỗi đơn vị tối đa ${LIMITS.emails} địa chỉ email.`);
    const bad = emails.find((e) => typeof e !== 'string' || e.length > LIMITS.emailLength || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e));
    if (bad !== undefined) throw new LifecycleRefusal('BadAddress', `Địa chỉ email không hợp lệ: "${String(bad).slice(0, 80)}".`);
  }

  /** New addresses; links sent to the old ones stop working. Returns the addresses that are new. */
  correctAddress(emails: string[]): string[] {
    this.checkCorrectAddress(emails);
    const before = new Set(this.s.unit.emails.map((e) => e.toLowerCase()));
    this.s.unit = { ...this.s.unit, emails };
    this.s.linkGeneration = (this.s.linkGeneration ?? 0) + 1;
    return emails.filter((e) => !before.has(e.toLowerCase()));
  }

  stop(stage: 'recalled' | 'closed', reason: string): void {
    if (this.stopped) return;
    this.s.stage = stage;
    this.s.stopReason = reason;
    // Nothing is owed any more, so nothing is late.
    this.s.overdue = false;
  }
}
