import { condition, continueAsNew, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { MailboxActivities } from '../activities/types';
import { historyIsLong } from './continue-as-new';

/**
 * The Office's mailbox, read for bounces and replies: one workflow per task queue lists what waits and
 * hands each message to an activity that acts on it once (by Message-ID) and moves it out of the inbox.
 * A worker that dies mid-message leaves the message in the inbox: the retry finds it, or finds it acted
 * on and only moves it. Retries of an unreachable server stay out of the history.
 */
export const mailboxWatchWorkflowId = (taskQueue: string): string => `chidao/mailbox/${taskQueue}`;

/** Read the inbox now instead of at the next poll (the Office's "Kiểm tra hộp thư" button, tests). */
export const checkMailboxSignal = defineSignal('checkMailbox');

export interface MailboxWatchInput {
  pollSeconds: number;
}

const { listInbound, processInbound } = proxyActivities<MailboxActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/** Messages taken per look: a full inbox is worked through in turns, each a bounded piece of history. */
const PER_LOOK = 50;

export async function mailboxWatch(input: MailboxWatchInput): Promise<void> {
  let asked = false;
  setHandler(checkMailboxSignal, () => {
    asked = true;
  });
  for (;;) {
    asked = false;
    const uids = await listInbound(PER_LOOK);
    for (const uid of uids) await processInbound(uid);
    if (historyIsLong(2000)) await continueAsNew<typeof mailboxWatch>(input);
    if (uids.length < PER_LOOK) await condition(() => asked, input.pollSeconds * 1000);
  }
}
