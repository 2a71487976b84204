import { DefaultLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { webhookTaskQueue } from '../workflows/ids';

/**
 * The SDK's logger, less its warning that the webhook deliveries' worker (activities only, by design)
 * polls no workflow tasks: at every start it would be the one line an operator reads as a fault.
 */
export class WorkerLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const queue = String(meta?.taskQueue ?? '');
    if (message.startsWith('No workflows registered') && queue === webhookTaskQueue(queue.replace(/-webhooks$/, '')))
      return;
    super.log(level, message, meta);
  }
}
