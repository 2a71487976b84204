import type { Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { WorkerLogger } from './logger';
import { loadConfig } from '../config';
import { connectClient } from '../client/connection';
import { connectWorker, createChidaoWorker } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';
import { ensureMailboxWatch } from '../client/mailbox-watch';
import { inboundDeps } from '../inbound/deps';
import { startSmtpReceiver } from '../inbound/smtp-receiver';

Runtime.install({ logger: new WorkerLogger('WARN') });
const config = loadConfig();
const client = await connectClient(config);
if (config.CHIDAO_SEARCH_ATTRIBUTES)
  await ensureSearchAttributes(client.connection as Connection, config.TEMPORAL_NAMESPACE);
const connection = await connectWorker(config);
const { run, mailer, mailHealth, audit, auditNotice } = await createChidaoWorker({ config, client, connection });
if (auditNotice) console.warn(auditNotice);
const smtpIn =
  config.CHIDAO_INBOUND_SMTP_PORT === undefined
    ? undefined
    : await startSmtpReceiver(
        inboundDeps(client, config),
        {
          host: config.CHIDAO_INBOUND_SMTP_HOST,
          port: config.CHIDAO_INBOUND_SMTP_PORT,
          domain: config.CHIDAO_INBOUND_SMTP_DOMAIN,
          maxBytes: config.CHIDAO_INBOUND_MAX_BYTES,
        },
        (e) => console.warn(`chidao worker: thư đến qua SMTP chưa xử lý được (trả 451): ${(e as Error).message}`),
      );
if (smtpIn)
  console.log(
    `chidao worker: nhận thư trả lời qua SMTP tại ${config.CHIDAO_INBOUND_SMTP_HOST}:${smtpIn.port}${config.CHIDAO_INBOUND_SMTP_DOMAIN ? ` cho @${config.CHIDAO_INBOUND_SMTP_DOMAIN}` : ''}`,
  );
if (await ensureMailboxWatch(client, config))
  console.log(
    `chidao worker: đọc hộp thư ${new URL(config.CHIDAO_IMAP_URL!).host} mỗi ${config.CHIDAO_IMAP_POLL_SECONDS} giây`,
  );
console.log(
  `chidao worker: hàng đợi "${config.CHIDAO_TASK_QUEUE}" tại ${config.TEMPORAL_ADDRESS}, thư qua ${new URL(config.CHIDAO_SMTP_URL).host}`,
);
// The worker stops cleanly on SIGINT/SIGTERM (the SDK installs those handlers) and finishes in-flight tasks.
await run();
await smtpIn?.close();
// The last change of the mail server's state reaches Temporal before the connection closes.
await mailHealth.flush();
// Chains extended since their last digest are signed before the worker goes.
await audit.close();
mailer.close();
await connection.close();
await client.connection.close();
