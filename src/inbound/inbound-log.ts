import { join } from 'node:path';
import { LockedJsonMap } from '../files/locked-json-map';
import type { InboundKind } from './classify';

/**
 * What chidao did with a message: acted on it (`bounced`, `acknowledged`), only noted it, or left it to
 * the Office (`state: 'open'`) — a reply from an address that is not the unit's, a failed
 * authentication, a report waiting for a follow-up officer's confirmation, a message it cannot match.
 */
export type InboundOutcome =
  'bounced' | 'delayed' | 'acknowledged' | 'report-pending' | 'noted' | 'foreign-sender' | 'auth-failed' | 'unmatched';

export interface InboundFile {
  fileName: string;
  sha256: string;
  bytes: number;
  /** Where it waits, under CHIDAO_DATA_DIR/inbound/files. */
  path: string;
}

export interface InboundRecord {
  messageId: string;
  at: string;
  kind: InboundKind;
  outcome: InboundOutcome;
  /** What happened, in the Office's words. */
  detail: string;
  from: string;
  fromName: string;
  subject: string;
  runKey?: string;
  unit?: string;
  /** The DKIM/SPF verdict (mailauth) and the receiving server's Authentication-Results. */
  auth: { dkim: string; spf: string; header: string };
  text?: string;
  files?: InboundFile[];
  /** Attachments not kept, with why. */
  refusedFiles?: string[];
  state: 'done' | 'open' | 'confirmed' | 'dismissed';
  decidedBy?: string;
  decidedAt?: string;
}

const MAX_RECORDS = 20_000;

/**
 * One record per Message-ID under CHIDAO_DATA_DIR/inbound/messages.json: a message found again (a retried
 * activity, a copy still in the inbox after a crash) is recognised and not acted on twice. The newest
 * 20,000 are kept; when full, the oldest record that waits on nobody goes.
 */
export class InboundLog {
  private readonly map: LockedJsonMap<InboundRecord>;

  constructor(dataDir: string) {
    this.map = new LockedJsonMap<InboundRecord>(join(dataDir, 'inbound', 'messages.json'), (r) => r.messageId, {
      count: MAX_RECORDS,
      refusal: () => new Error(`Nhật ký thư đến đã đủ ${MAX_RECORDS} thư đang chờ xử lý.`),
      evict: (all) => {
        let oldest: InboundRecord | undefined;
        for (const r of all.values()) if (r.state !== 'open' && (!oldest || r.at < oldest.at)) oldest = r;
        return oldest?.messageId;
      },
    });
  }

  get(messageId: string): InboundRecord | undefined {
    return this.map.get(messageId);
  }

  /** Newest first. */
  list(): InboundRecord[] {
    return this.map.list().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }

  /** Records a message once: a record already there wins, and is returned. */
  add(r: InboundRecord): InboundRecord {
    return this.map.update(r.messageId, (prior) => (prior ? { result: prior } : { record: r, result: r }));
  }

  /** The Office's decision on an open record; refused when it is no longer open. */
  decide(messageId: string, change: (r: InboundRecord) => InboundRecord): InboundRecord | undefined {
    return this.map.update(messageId, (r) => {
      if (!r || r.state !== 'open') return { result: undefined };
      const next = change(r);
      return { record: next, result: next };
    });
  }
}
