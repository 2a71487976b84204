// Types only: plan and policy hold zod schemas, which must stay out of the workflow bundle.
import type { RecipientInfo } from './plan';
import type { UnitCorrection } from './correction';
import type { ReportObligation } from './policy';
import type { CalendarData } from './holidays-vn';

// The words of a unit's life: stages, bounds, records and snapshots. The machine that moves a unit
// through them is in unit-state.ts.

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
/** How a unit told the Office what the Office records on its behalf. */
export const VIAS = ['phone', 'paper', 'email'] as const;
export type Via = (typeof VIAS)[number];
export const VIA_LABEL: Record<Via, string> = {
  phone: 'qua điện thoại',
  paper: 'bằng văn bản giấy',
  email: 'qua thư điện tử',
};

export interface Actor {
  channel: Channel;
  by: string;
  /** For the Office's records: how the unit told it. */
  via?: Via;
  ip?: string;
  userAgent?: string;
  /** For acts by email: the sender's DKIM and SPF verdict (mailauth) and its server's, as read. */
  auth?: string;
}

/** A refusal a caller can act on; the workflow turns it into an ApplicationFailure of this type. */
export class LifecycleRefusal extends Error {
  override readonly name = 'LifecycleRefusal';
  constructor(
    readonly type: string,
    message: string,
  ) {
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
  /** The calendar years that replace the built-in ones, once the Office loaded a new calendar mid-run. */
  calendarOverride?: CalendarData;
  /** While the Office owes an answer to difficulty `pausedFor` (policy pauseWhileDifficultyOpen): since when. */
  pausedSince?: number;
  pausedFor?: number;
  /** Waits that ended, and how each moved the deadline (the last 20). */
  pauses?: Pause[];
  /** Each new calendar that moved a date of this unit: when, from which file, what moved (the last 20). */
  calendarChanges?: CalendarChange[];
  /** When the unit first opened its page or the document through its link ("đã xem"). */
  viewedAt?: number;
  /** Times the Office sent the dispatch again to the same addresses ("we never received it"). */
  resends?: number;
  /** When the unit first opened the signed document through its link (policy `requireView`). */
  documentOpenedAt?: number;
  /** Corrections and replacements the unit was sent (version 2 on), and when it acknowledged each. */
  corrections?: UnitCorrection[];
}

export interface Pause {
  from: number;
  to: number;
  difficulty: number;
  /** Working days waited (0 for a deadline set to the minute, which moves by the time waited). */
  workingDays: number;
  target: 'acknowledge' | 'report';
  deadlineFrom: number;
  deadlineTo: number;
}

export interface CalendarChange {
  at: number;
  source: string;
  moved: { target: 'acknowledge' | 'report'; from: number; until: number }[];
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
  if (text.length > max) {
    const n = (x: number) => x.toLocaleString('vi-VN');
    throw new LifecycleRefusal('TooLong', `${what} dài ${n(text.length)} ký tự, vượt giới hạn ${n(max)} ký tự.`);
  }
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

/** A report as a unit hands it in. */
export interface ReportInput {
  by: Actor;
  text: string;
  fileName?: string;
  sha256?: string;
  obligation?: string;
}

/** What a finished lifecycle tells its batch. */
export interface UnitOutcome {
  code: string;
  stage: Stage;
  overdue: boolean;
  acknowledged: boolean;
  reports: number;
}

export function outcomeOf(s: UnitSnapshot): UnitOutcome {
  const reports = s.reports.filter((r) => r.verdict === 'accepted').length;
  return {
    code: s.unit.code,
    stage: s.stage,
    overdue: s.overdue,
    acknowledged: s.acknowledgedAt !== undefined,
    reports,
  };
}
