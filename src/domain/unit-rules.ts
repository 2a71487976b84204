import type { WorkingCalendar } from './calendar';
import { pendingVersion } from './correction';
// Types only: policy holds zod schemas, which must stay out of the workflow bundle.
import type { Policy } from './policy';
import { reportDeadline } from './schedule';
import {
  LIMITS,
  LifecycleRefusal,
  checkText,
  type Difficulty,
  type ReportCycle,
  type ReportRecord,
  type UnitSnapshot,
  type Actor,
} from './unit-model';

/**
 * The rules of a unit's acts, over its snapshot. The state machine (unit-state.ts) calls them both in its
 * checks, which update validators call, and in its acts, so a validator and its handler never disagree.
 * Each throws a LifecycleRefusal whose type a caller can match on.
 */

/** What the machine needs besides its state: the directive's policy, the calendar, the Office's name. */
export interface UnitRules {
  policy: Policy;
  cal: WorkingCalendar;
  officeName: string;
  /** The run was sent with a signed file, which `requireView` asks the unit to open. */
  hasDocument?: boolean;
}

/** A deadline the unit is being followed against. */
export interface Deadline {
  target: 'acknowledge' | 'report';
  at: number;
}

/** The deadline the unit is being followed against right now, if any. */
export function currentDeadline(s: UnitSnapshot): Deadline | undefined {
  if (s.stage === 'dispatched' && s.ackDeadline !== undefined) return { target: 'acknowledge', at: s.ackDeadline };
  if ((s.stage === 'acknowledged' || s.stage === 'returned') && s.reportDeadline !== undefined)
    return { target: 'report', at: s.reportDeadline };
  return undefined;
}

export function currentReport(s: UnitSnapshot, policy: Policy): ReportCycle | undefined {
  const obligation = policy.reports[s.reportIndex];
  return obligation && { obligation, cycle: s.reportCycle };
}

/** The due date of the report now owed, counted from the dispatch (or `from`, before one). */
export function firstReportDeadline(s: UnitSnapshot, rules: UnitRules, from: number): number | undefined {
  const cur = currentReport(s, rules.policy);
  return cur && reportDeadline(cur.obligation, cur.cycle, s.dispatchedAt ?? from, rules.cal);
}

export function refuseIfStopped(s: UnitSnapshot): void {
  if (s.stage === 'recalled')
    throw new LifecycleRefusal('DirectiveRecalled', 'Văn bản đã bị thu hồi; không thể thực hiện thao tác này.');
  // A done unit whose lifecycle is still finishing says what the Office says once it has finished.
  if (s.stage === 'done')
    throw new LifecycleRefusal(
      'RunClosed',
      `Việc theo dõi ${s.unit.name} đã hoàn thành; không thể thực hiện thao tác này.`,
    );
  if (s.stage === 'closed') throw new LifecycleRefusal('RunClosed', 'Việc theo dõi đơn vị này đã kết thúc.');
}

export function checkAcknowledge(s: UnitSnapshot, rules?: Pick<UnitRules, 'policy' | 'hasDocument'>, by?: Actor): void {
  refuseIfStopped(s);
  if (s.stage === 'dispatching' || s.stage === 'undeliverable')
    throw new LifecycleRefusal('NotDelivered', 'Văn bản chưa được gửi tới đơn vị; chưa thể xác nhận đã nhận.');
  if (s.acknowledgedAt !== undefined && !pendingVersion(s.corrections))
    throw new LifecycleRefusal('AlreadyAcknowledged', 'Đơn vị đã xác nhận nhận văn bản trước đó.');
  if (rules && by) checkRequireView(s, rules, by);
}

/** `requireView`: the unit's own link acts only once it has opened the signed file (or, without one, its page). */
export function checkRequireView(s: UnitSnapshot, rules: Pick<UnitRules, 'policy' | 'hasDocument'>, by: Actor): void {
  if (!rules.policy.requireView || by.channel !== 'link') return;
  const opened = rules.hasDocument ? s.documentOpenedAt : s.viewedAt;
  if (opened === undefined)
    throw new LifecycleRefusal(
      'NotViewed',
      'Văn bản này yêu cầu mở văn bản đã ký số trên trang của đơn vị trước khi xác nhận đã nhận: hãy bấm vào tên tệp văn bản, đọc, rồi xác nhận.',
    );
}

export function checkReport(s: UnitSnapshot, policy: Policy, obligation?: string): ReportCycle {
  refuseIfStopped(s);
  const cur = currentReport(s, policy);
  if (!cur) throw new LifecycleRefusal('NoReportDue', 'Văn bản này không yêu cầu báo cáo.');
  if (s.stage === 'reported') throw new LifecycleRefusal('ReportPending', 'Báo cáo trước đang chờ Văn phòng xem xét.');
  if (s.stage !== 'acknowledged' && s.stage !== 'returned' && s.stage !== 'dispatched')
    throw new LifecycleRefusal('NotDelivered', 'Văn bản chưa được gửi tới đơn vị.');
  if (obligation !== undefined && obligation !== cur.obligation.id)
    throw new LifecycleRefusal(
      'WrongReport',
      `Báo cáo đang chờ là "${cur.obligation.id}", không phải "${obligation}".`,
    );
  return cur;
}

/** A report's own rules on top of checkReport: its text within bounds. */
export function checkSubmitReport(s: UnitSnapshot, policy: Policy, text: string, obligation?: string): ReportCycle {
  const cur = checkReport(s, policy, obligation);
  checkText(text, LIMITS.reportText, 'Nội dung báo cáo');
  return cur;
}

export function pendingReport(s: UnitSnapshot): ReportRecord {
  const last = s.reports[s.reports.length - 1];
  if (s.stage !== 'reported' || !last || last.verdict)
    throw new LifecycleRefusal('NoReportPending', 'Không có báo cáo nào đang chờ xem xét.');
  return last;
}

export function checkReview(s: UnitSnapshot): void {
  refuseIfStopped(s);
  pendingReport(s);
}

/** A return needs a reason and a new deadline in the future; returns that deadline. */
export function checkReturn(s: UnitSnapshot, reason: string, until: number, now: number): number {
  checkReview(s);
  checkText(reason, LIMITS.reason, 'Lý do trả lại báo cáo');
  if (until <= now) throw new LifecycleRefusal('NotLater', 'Hạn báo cáo lại phải ở tương lai.');
  return until;
}

export function checkExtendAt(s: UnitSnapshot, until: number, reason?: string): Deadline {
  refuseIfStopped(s);
  if (reason !== undefined) checkText(reason, LIMITS.reason, 'Lý do gia hạn', false);
  const cur = currentDeadline(s);
  if (!cur) throw new LifecycleRefusal('NothingToExtend', 'Đơn vị không có hạn nào đang chờ để gia hạn.');
  if (until <= cur.at) throw new LifecycleRefusal('NotLater', 'Hạn mới phải sau hạn hiện tại.');
  return cur;
}

/** Requests made over the lifecycle (the open list empties when the Office decides). */
export function requestsMade(s: UnitSnapshot): number {
  return s.extensionRequestsMade ?? s.extensionRequests.length;
}

export function checkRequestExtensionAt(s: UnitSnapshot, until: number, reason: string): void {
  checkExtendAt(s, until);
  checkText(reason, LIMITS.reason, 'Lý do đề nghị gia hạn');
  const { openExtensionRequests: open, extensionRequests: max } = LIMITS;
  if (s.extensionRequests.length >= open)
    throw new LifecycleRefusal(
      'TooMany',
      `Đơn vị đã có ${open} đề nghị gia hạn chờ quyết định; đề nghị chờ Văn phòng trả lời.`,
    );
  if (requestsMade(s) >= max)
    throw new LifecycleRefusal('TooMany', `Đơn vị đã gửi ${max} đề nghị gia hạn; đề nghị liên hệ trực tiếp Văn phòng.`);
}

export function checkRaiseDifficulty(s: UnitSnapshot, text: string): void {
  refuseIfStopped(s);
  checkText(text, LIMITS.difficultyText, 'Nội dung vướng mắc');
  if (s.difficulties.length >= LIMITS.difficulties)
    throw new LifecycleRefusal(
      'TooMany',
      `Đơn vị đã gửi ${LIMITS.difficulties} vướng mắc; đề nghị liên hệ trực tiếp Văn phòng.`,
    );
  if (s.difficulties.filter((d) => !d.answer).length >= LIMITS.openDifficulties)
    throw new LifecycleRefusal(
      'TooMany',
      `Đơn vị đang có ${LIMITS.openDifficulties} vướng mắc chờ trả lời; ` +
        'đề nghị chờ Văn phòng trả lời trước khi gửi thêm.',
    );
}

export function checkAnswer(s: UnitSnapshot, id: number, text?: string): Difficulty {
  if (text !== undefined) checkText(text, LIMITS.answerText, 'Nội dung trả lời');
  const d = s.difficulties.find((x) => x.id === id);
  if (!d) throw new LifecycleRefusal('UnknownDifficulty', `Không có vướng mắc số ${id}.`);
  if (d.answer) throw new LifecycleRefusal('AlreadyAnswered', `Vướng mắc số ${id} đã được trả lời.`);
  return d;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkCorrectAddress(s: UnitSnapshot, emails: string[]): void {
  refuseIfStopped(s);
  if (!Array.isArray(emails) || !emails.length)
    throw new LifecycleRefusal('NoAddress', 'Cần ít nhất một địa chỉ email.');
  if (emails.length > LIMITS.emails)
    throw new LifecycleRefusal('TooMany', `Mỗi đơn vị tối đa ${LIMITS.emails} địa chỉ email.`);
  const bad = emails.find((e) => typeof e !== 'string' || e.length > LIMITS.emailLength || !EMAIL_RE.test(e));
  if (bad !== undefined)
    throw new LifecycleRefusal('BadAddress', `Địa chỉ email không hợp lệ: "${String(bad).slice(0, 80)}".`);
}
