import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { LinkSigner } from '../links/signer';
import { Office } from '../office/office';
import { verifyAuth } from './auth';
import type { InboundDeps } from './handle';
import { InboundLog } from './inbound-log';

/** The address in "Name <a@b>" or a bare one. */
const addressOf = (from: string) => (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();

/** What reading a message needs, from the configuration: the same for the IMAP reader and the SMTP receiver. */
export function inboundDeps(client: Client, config: Config): InboundDeps {
  const links = new LinkSigner(config.CHIDAO_LINK_SECRET, config.CHIDAO_PUBLIC_URL, config.CHIDAO_LINK_TTL_DAYS);
  return {
    office: Office.fromConfig(client, config),
    log: new InboundLog(config.CHIDAO_DATA_DIR),
    filesDir: join(config.CHIDAO_DATA_DIR, 'inbound', 'files'),
    uploadMaxBytes: config.CHIDAO_UPLOAD_MAX_BYTES,
    messageIdDomain: config.CHIDAO_MESSAGE_ID_DOMAIN,
    ownAddresses: [addressOf(config.CHIDAO_MAIL_FROM)],
    verify: verifyAuth,
    requireAuth: config.CHIDAO_INBOUND_REQUIRE_AUTH,
    authServId: config.CHIDAO_INBOUND_AUTHSERV_ID,
    checkOf: (id) => links.messageCheck(id),
  };
}
