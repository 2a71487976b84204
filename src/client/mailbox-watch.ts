import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { checkMailboxSignal, mailboxWatch, mailboxWatchWorkflowId } from '../workflows/mailbox-watch';

/** Starts the reading of the Office's mailbox, once per task queue; a second start finds the first. */
export async function ensureMailboxWatch(client: Client, config: Config): Promise<boolean> {
  if (!config.CHIDAO_IMAP_URL) return false;
  await client.workflow.start(mailboxWatch, {
    workflowId: mailboxWatchWorkflowId(config.CHIDAO_TASK_QUEUE),
    taskQueue: config.CHIDAO_TASK_QUEUE,
    args: [{ pollSeconds: config.CHIDAO_IMAP_POLL_SECONDS }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return true;
}

/** Reads the inbox now rather than at the next poll. */
export async function checkMailboxNow(client: Client, taskQueue: string): Promise<void> {
  await client.workflow.getHandle(mailboxWatchWorkflowId(taskQueue)).signal(checkMailboxSignal);
}
