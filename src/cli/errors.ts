import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { InvalidInputError, SecretDocumentError } from '../domain/errors';
import { DuplicateRunError } from '../client/start-run';
import { NOT_FOUND_MESSAGE, OfficeRefusal } from '../office';
import { AccountRefusal } from '../accounts/store';
import { WebhookRefusal } from '../webhooks/subscriptions';
import { RegistryRefusal } from '../registries/store';

/** A usage mistake: printed as one line, exit code 2. */
export class CliError extends Error {}

/** One line a clerk can act on, and an exit code a script can branch on. */
export function describeError(e: unknown): { message: string; code: number } {
  if (e instanceof CliError) return { message: `Lỗi: ${e.message}`, code: 2 };
  if (e instanceof InvalidInputError) return { message: `Tệp không hợp lệ, chưa bắt đầu gì:\n${e.message}`, code: 1 };
  if (e instanceof OfficeRefusal && e.type === 'NotFound') return { message: NOT_FOUND_MESSAGE, code: 1 };
  if (
    e instanceof OfficeRefusal ||
    e instanceof SecretDocumentError ||
    e instanceof DuplicateRunError ||
    e instanceof AccountRefusal ||
    e instanceof WebhookRefusal ||
    e instanceof RegistryRefusal
  )
    return { message: `Từ chối: ${e.message}`, code: 1 };
  if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure)
    return { message: `Từ chối: ${e.cause.message}`, code: 1 };
  if (e instanceof WorkflowNotFoundError || (e as Error)?.name === 'WorkflowNotFoundError')
    return { message: 'Không tìm thấy đợt gửi hoặc đơn vị này (kiểm tra khóa văn bản và mã đơn vị).', code: 1 };
  if ((e as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return { message: `Lỗi: ${(e as Error).message}`, code: 2 };
  return { message: `Lỗi: ${(e as Error)?.message ?? String(e)}`, code: 3 };
}
