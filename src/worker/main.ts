import type { Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { WorkerLogger } from './logger';
import { loadConfig } from '../config';
import { connectClient } from '../client/connection';
import { connectWorker, createChidaoWorker } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';
import { ensureMailboxWatch } from '../client/mailbox-watch';

Runtime.install({ logger: new WorkerLogger('WARN') });
const config = loadConfig();
const client = await connectClient(config);
if (config.CHIDAO_SEARCH_ATTRIBUTES)
  await ensureSearchAttributes(client.connection as Connection, config.TEMPORAL_NAMESPACE);
const connection = await connectWorker(config);
const { run, mailer, mailHealth, audit, auditNotice } = await createChidaoWorker({ config, client, connection });
if (auditNotice) console.warn(auditNotice);
if (await ensureMailboxWatch(client, config))
  console.log(
    `chidao worker: đọc hộp thư ${new URL(config.CHIDAO_IMAP_URL!).host} mỗi ${config.CHIDAO_IMAP_POLL_SECONDS} giây`,
  );
console.log(
  `chidao worker: hàng đợi "${config.CHIDAO_TASK_QUEUE}" tại ${config.TEMPORAL_ADDRESS}, thư qua ${new URL(config.CHIDAO_SMTP_URL).host}`,
);
// The worker stops cleanly on SIGINT/SIGTERM (the SDK installs those handlers) and finishes in-flight tasks.
await run();
// The last change of the mail server's state reaches Temporal before the connection closes.
await mailHealth.flush();
// Chains extended since their last digest are signed before the worker goes.
await audit.close();
mailer.close();
await connection.close();
await client.connection.close();
