import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { inboundDeps } from '../inbound/deps';
import { handleInbound } from '../inbound/handle';
import { processUid, waitingUids, type MailboxSettings } from '../inbound/mailbox';
import type { MailboxActivities } from './types';

/**
 * Reading the Office's mailbox: the watch workflow lists what waits and hands each message to
 * `processInbound`, which acts through the Office service and moves the message out of the inbox.
 */
export function createInboundActivities(client: Client, config: Config): MailboxActivities {
  if (!config.CHIDAO_IMAP_URL) throw new Error('CHIDAO_IMAP_URL chưa được đặt');
  const mailbox: MailboxSettings = {
    url: config.CHIDAO_IMAP_URL,
    processedFolder: config.CHIDAO_IMAP_PROCESSED_FOLDER,
  };
  const deps = inboundDeps(client, config);
  return {
    async listInbound(limit: number): Promise<number[]> {
      return waitingUids(mailbox, Math.min(limit, 200));
    },
    async processInbound(uid: number): Promise<{ messageId: string; outcome: string } | undefined> {
      const r = await processUid(mailbox, uid, config.CHIDAO_INBOUND_MAX_BYTES, async (raw) => {
        if (Buffer.isBuffer(raw)) return handleInbound(raw, deps);
        // Not parsed: shown to the Office by its size alone.
        return deps.log.add({
          messageId: `<uid-${uid}-${createHash('sha256').update(String(raw.tooLarge)).digest('hex').slice(0, 8)}@inbound>`,
          at: new Date().toISOString(),
          kind: 'other',
          outcome: 'unmatched',
          detail: `Thư lớn ${Math.round(raw.tooLarge / 1024 / 1024)} MB, vượt giới hạn đọc; chuyển sang thư mục ${mailbox.processedFolder} để Văn phòng xem.`,
          from: '',
          fromName: '',
          subject: '',
          auth: { dkim: 'none', spf: 'none', header: '' },
          state: 'open',
        });
      });
      return r && { messageId: r.messageId, outcome: r.outcome };
    },
  };
}
