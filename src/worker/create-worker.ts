import { Registries } from '../registries/registries';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createInboundActivities } from '../activities/inbound';
import { createSmtpMailer, type Mailer } from '../activities/mailer';
import { FileSentLog } from '../activities/sent-log';
import { MailHealthTracker } from '../activities/mail-health';
import type { Config } from '../config';
import { LinkSigner } from '../links/signer';
import { DocumentStore } from '../documents/store';
import { Subscriptions } from '../webhooks/subscriptions';
import { withWebhooks } from '../webhooks/emit';
import { nativeConnectionOptions } from '../client/connection';
import { openAuditStore, openAuditWriter } from '../audit/open-store';
import type { AuditStore } from '../audit/store';
import { workflowsPath } from '../workflows-path';
import { webhookTaskQueue } from '../workflows/ids';

export { workflowsPath } from '../workflows-path';

export interface WorkerParts {
  config: Config;
  client: Client;
  connection: NativeConnection;
  mailer?: Mailer;
  audit?: AuditStore;
  /** A prebuilt bundle (tests share one; production ships one); else bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  tuning?: Partial<WorkerOptions>;
  /** Tests bring their own (a logger they read); else one per worker, logging through the Runtime's logger. */
  mailHealth?: MailHealthTracker;
}

/** The composition root: config → clients → activity factories → Worker. */
export async function createChidaoWorker(parts: WorkerParts): Promise<{
  worker: Worker;
  /** Runs the worker and, beside it, the small one for webhook deliveries; both stop when the worker does. */
  run: () => Promise<void>;
  mailer: Mailer;
  audit: AuditStore;
  mailHealth: MailHealthTracker;
  auditNotice?: string;
}> {
  const { config } = parts;
  const mailer =
    parts.mailer ??
    createSmtpMailer({
      url: config.CHIDAO_SMTP_URL,
      rate: config.CHIDAO_SEND_RATE,
      poolSize: config.CHIDAO_SMTP_POOL_SIZE,
    });
  // Digests are signed from the activity side when a key is configured; a periodic one that fails is
  // logged and tried again at the next interval.
  const { store: audit, notice: auditNotice } = openAuditWriter(
    config,
    parts.audit ?? openAuditStore(config),
    (e, run) => Runtime.instance().logger.warn('audit digest failed', { run, error: (e as Error).message }),
  );
  const mailHealth =
    parts.mailHealth ??
    new MailHealthTracker({
      client: parts.client,
      taskQueue: config.CHIDAO_TASK_QUEUE,
      logger: () => Runtime.instance().logger,
    });
  const subscriptions = new Subscriptions(config.CHIDAO_DATA_DIR);
  const activities = createActivities({
    mailer,
    // Each record written also goes to the systems subscribed to its event (none by default).
    audit: withWebhooks(audit, { client: parts.client, subscriptions, taskQueue: config.CHIDAO_TASK_QUEUE }),
    webhooks: { subscriptions, dataDir: config.CHIDAO_DATA_DIR },
    sentLog: new FileSentLog(join(config.CHIDAO_DATA_DIR, 'sent')),
    links: new LinkSigner(config.CHIDAO_LINK_SECRET, config.CHIDAO_PUBLIC_URL, config.CHIDAO_LINK_TTL_DAYS),
    client: parts.client,
    from: config.CHIDAO_MAIL_FROM,
    messageIdDomain: config.CHIDAO_MESSAGE_ID_DOMAIN,
    mailHealth,
    documents: new DocumentStore(config.CHIDAO_DATA_DIR),
    registries: Registries.inDataDir(config.CHIDAO_DATA_DIR),
  });
  const worker = await Worker.create({
    connection: parts.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.CHIDAO_TASK_QUEUE,
    ...workflowCode(parts.workflowBundle, config),
    // The Office's mailbox is read only where it is configured.
    activities: config.CHIDAO_IMAP_URL
      ? { ...activities, ...createInboundActivities(parts.client, config) }
      : activities,
    maxCachedWorkflows: config.CHIDAO_WORKER_CACHE_SIZE,
    ...parts.tuning,
  });
  // Receivers' HTTP calls on their own queue and slots: four at once, however many hang.
  const webhooks = await Worker.create({
    connection: parts.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: webhookTaskQueue(config.CHIDAO_TASK_QUEUE),
    activities: { deliverWebhook: activities.deliverWebhook, noteWebhookGaveUp: activities.noteWebhookGaveUp },
    maxConcurrentActivityTaskExecutions: 4,
  });
  const run = async () => {
    const hooks = webhooks.run();
    try {
      await worker.run();
    } finally {
      if (webhooks.getState() === 'RUNNING') webhooks.shutdown();
      await hooks;
    }
  };
  return { worker, run, mailer, audit, mailHealth, ...(auditNotice ? { auditNotice } : {}) };
}

function workflowCode(
  bundle: WorkerOptions['workflowBundle'],
  config: Config,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundle) return { workflowBundle: bundle };
  if (config.CHIDAO_WORKFLOW_BUNDLE) {
    if (!existsSync(config.CHIDAO_WORKFLOW_BUNDLE))
      throw new Error(
        `CHIDAO_WORKFLOW_BUNDLE: không có tệp "${config.CHIDAO_WORKFLOW_BUNDLE}" (tạo bằng npm run bundle)`,
      );
    return { workflowBundle: { codePath: config.CHIDAO_WORKFLOW_BUNDLE } };
  }
  return { workflowsPath };
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(nativeConnectionOptions(config));
}
