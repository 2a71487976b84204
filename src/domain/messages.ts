import type { CorrectionKind } from './correction';
import type { DocumentRef } from './document';
import type { Directive } from './directive';
import type { Role } from './roles';
import type { Stage } from './unit-state';

export type Party = { code: string; name: string };

/** Counts of units by stage, for digests and the final summary. */
export type StageCounts = Partial<Record<Stage | 'overdue' | 'informed', number>>;

interface Base {
  runKey: string;
  ref: string;
  subject: string;
  /** Which mailbox this goes to: a unit code, or "office" / "leaders". Part of the Message-ID. */
  party: string;
  /** Per (run, party) sequence: with kind it makes the Message-ID deterministic. */
  seq: number;
  to: string[];
  replyTo: string[];
  officeName: string;
  /** The workflow's history length when it decided to send: the audit record's event id. */
  eventId?: number;
  /** The unit's link generation (bumped by an address correction); signed links carry it. */
  linkGen?: number;
  /** Khẩn and above: every message's subject says so, not only the dispatch's. */
  urgency?: Directive['urgency'];
}

export type MessageRequest = Base &
  // A lifecycle sends the dispatch without the directive's body; the activity fetches it from the run.
  (
    | {
        kind: 'dispatch';
        unit: Party;
        role: Role;
        purpose: string;
        directive?: Directive;
        ackDeadline?: number;
        /** Why each date falls when it does ("15 ngày làm việc kể từ …"); absent in dispatches sent before. */
        ackWhy?: string;
        reports: { title: string; due: number; why?: string }[];
      }
    | { kind: 'reminder'; unit: Party; target: 'acknowledge' | 'report'; deadline: number; reportTitle?: string }
    | {
        kind: 'escalation';
        unit: Party;
        target: 'acknowledge' | 'report';
        deadline: number;
        late: string;
        level: number;
        addressee: string;
      }
    // `addresses` were refused; `accepted`, when not empty, were not: a partial refusal.
    | { kind: 'undeliverable'; unit: Party; addresses: string[]; error: string; accepted?: string[] }
    | { kind: 'unit-failed'; unit: Party; error: string }
    | { kind: 'report-received'; unit: Party; reportTitle: string; text: string; fileName?: string }
    | { kind: 'report-accepted'; unit: Party; reportTitle: string; next?: { title: string; due: number } }
    | { kind: 'report-returned'; unit: Party; reportTitle: string; reason: string; due: number }
    | { kind: 'extension-requested'; unit: Party; until: number; reason: string }
    | {
        kind: 'extension-granted';
        unit: Party;
        target: 'acknowledge' | 'report';
        from: number;
        until: number;
        reason: string;
      }
    // A new calendar moved the unit's deadline (a day off announced after dispatch).
    | {
        kind: 'deadline-moved';
        unit: Party;
        target: 'acknowledge' | 'report';
        from: number;
        until: number;
        reason: string;
      }
    | { kind: 'difficulty-raised'; unit: Party; id: number; text: string }
    | {
        kind: 'difficulty-answered';
        unit: Party;
        id: number;
        question: string;
        answer: string;
        /** The deadline the wait for this answer moved (policy pauseWhileDifficultyOpen). */
        resumed?: { from: number; until: number; workingDays: number };
      }
    | { kind: 'recall'; unit?: Party; reason: string }
    // A corrected or replacing document (version 2 on), with what changed; `acknowledge` asks for receipt again.
    | {
        kind: 'correction';
        unit: Party;
        version: number;
        correctionKind: CorrectionKind;
        changes: string;
        document?: DocumentRef;
        acknowledge: boolean;
      }
    | { kind: 'digest'; counts: StageCounts; total: number; overdue: { code: string; name: string; stage: Stage }[] }
    | { kind: 'summary'; counts: StageCounts; total: number; outcome: 'closed' | 'recalled'; note: string }
    // To one Office after an outage of the mail server: the directives whose mail it held up.
    | {
        kind: 'mail-restored';
        downSince: number;
        upAt: number;
        lastError: string;
        runs: { runKey: string; ref: string; subject: string }[];
      }
  );

export type MessageKind = MessageRequest['kind'];

/** <2023-4432-TCTHADS-VP.HCM.dispatch.0@domain>: the same act always gets the same id. */
export function messageId(req: Pick<MessageRequest, 'runKey' | 'party' | 'kind' | 'seq'>, domain: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._~-]/g, '_');
  return `<${safe(req.runKey)}.${safe(req.party)}.${req.kind}.${req.seq}@${domain}>`;
}
