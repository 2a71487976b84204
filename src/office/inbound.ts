import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Permission } from '../domain/staff-roles';
import { LIMITS } from '../domain/unit-state';
import { authText } from '../inbound/handle';
import type { InboundLog, InboundRecord } from '../inbound/inbound-log';
import type { Office } from './office';
import { OfficeRefusal } from './refusal';

/** Who may decide on a message the mailbox reader left to the Office. */
export const inboundPermission = (r: InboundRecord): Permission =>
  r.files?.length ? 'units.follow-up' : 'units.record';

function openRecord(log: InboundLog, id: string): InboundRecord {
  const r = log.get(id);
  if (!r) throw new OfficeRefusal('UnknownMessage', 'Không có thư này trong nhật ký thư đến.');
  if (r.state !== 'open') throw new OfficeRefusal('AlreadyDecided', 'Thư này đã được xử lý.');
  return r;
}

const ignoring = (type: string) => (e: unknown) => {
  if (!(e instanceof OfficeRefusal && e.type === type)) throw e;
};

/**
 * The Office takes an open message for what it says: a reply from an unregistered address or one that
 * failed authentication acknowledges for the unit, and attachments become the unit's report, filed
 * beside the reports the unit uploads through its link. The act is the unit's, by email, and names the
 * person who confirmed it.
 */
export async function confirmInbound(office: Office, log: InboundLog, dataDir: string, id: string, by: string) {
  const r = openRecord(log, id);
  if (!r.runKey || !r.unit || !['foreign-sender', 'auth-failed', 'report-pending'].includes(r.outcome))
    throw new OfficeRefusal('NothingToConfirm', 'Thư này không có việc gì để xác nhận; chỉ có thể bỏ qua.');
  const actor = {
    channel: 'email' as const,
    by: `${r.from}, xác nhận bởi ${by}`,
    via: 'email' as const,
    auth: authText(r.auth),
  };
  const ref = { key: r.runKey, unit: r.unit };
  if (r.outcome !== 'report-pending')
    await office.acknowledge({ ...ref, by: actor }).catch(ignoring('AlreadyAcknowledged'));
  const [file, ...more] = r.files ?? [];
  if (file) {
    const others = more.length ? `\n\nTệp kèm khác: ${more.map((f) => f.fileName).join(', ')}.` : '';
    const text = `${r.text || `Báo cáo gửi qua thư điện tử: ${r.subject}`}${others}`.slice(0, LIMITS.reportText);
    await office.report({ ...ref, by: actor, text, file: { fileName: file.fileName, sha256: file.sha256 } });
    const unitDir = join(dataDir, 'uploads', r.runKey, r.unit);
    mkdirSync(unitDir, { recursive: true });
    for (const f of r.files!) {
      const to = join(unitDir, `${f.sha256.slice(0, 16)}-${f.fileName}`);
      if (!existsSync(to)) copyFileSync(f.path, to);
    }
  }
  return decided(log, id, 'confirmed', by);
}

/** The Office sets a message aside: nothing is recorded for the unit. */
export function dismissInbound(log: InboundLog, id: string, by: string): InboundRecord {
  openRecord(log, id);
  return decided(log, id, 'dismissed', by);
}

function decided(log: InboundLog, id: string, state: 'confirmed' | 'dismissed', by: string): InboundRecord {
  const r = log.decide(id, (r) => ({ ...r, state, decidedBy: by, decidedAt: new Date().toISOString() }));
  if (!r) throw new OfficeRefusal('AlreadyDecided', 'Thư này đã được xử lý.');
  return r;
}
