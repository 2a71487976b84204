import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import type { LinkSigner } from './links';
import type { SessionStore } from './session';
import { closedReason } from '../client/closed-reason';
import { html, page, type Html } from './html';

/** What the pages need; the server builds it once, tests build it with real parts. */
export interface WebDeps {
  client: Client;
  config: Config;
  links: LinkSigner;
  /** Only when the dashboard is on (CHIDAO_OFFICE_PASSWORD set). */
  sessions?: SessionStore | undefined;
  now: () => number;
}

/** A failure the visitor can act on, shown as a page with this status. */
export class PageError extends Error {
  constructor(readonly status: number, readonly title: string, message: string) {
    super(message);
  }

  /** Fastify reads it when a PageError is thrown (rate limits, plugins). */
  get statusCode(): number {
    return this.status;
  }
}

/** Turns what Temporal said into something a clerk can read: a refusal, or "no such run/unit". */
export function pageErrorOf(e: unknown): PageError | undefined {
  if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) return new PageError(409, 'Không thực hiện được', e.cause.message);
  if (e instanceof WorkflowNotFoundError || (e as Error)?.name === 'WorkflowNotFoundError')
    return new PageError(404, 'Không tìm thấy', 'Không tìm thấy đợt gửi hoặc đơn vị này; có thể đợt gửi đã kết thúc từ lâu.');
  return undefined;
}

/**
 * As pageErrorOf, but a workflow that finished (so Temporal says "not found") is explained: a recalled
 * directive, a closed run, a unit whose follow-up is done.
 */
export async function explainError(e: unknown, client: Client, key: string | undefined, unit?: string): Promise<PageError | undefined> {
  if (e instanceof PageError) return e;
  const pe = pageErrorOf(e);
  if (pe?.status === 404 && key) {
    const why = await closedReason(client, key, unit);
    if (why) return new PageError(409, 'Không thực hiện được', why);
  }
  return pe;
}

export function sendPage(reply: FastifyReply, title: string, body: Html, opts: { status?: number; nav?: Html } = {}): FastifyReply {
  return reply
    .code(opts.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(page({ title, body, ...(opts.nav ? { nav: opts.nav } : {}) }));
}

export function errorPage(reply: FastifyReply, e: PageError, nav?: Html): FastifyReply {
  return sendPage(reply, e.title, html`<div class="notice bad" role="alert"><p>${e.message}</p></div>`, { status: e.status, ...(nav ? { nav } : {}) });
}

/** The client's address and browser, for the audit record of an act done through a page. */
export function visitor(req: FastifyRequest): { ip: string; userAgent: string } {
  return { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300) };
}

export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.normalize('NFC').trim() : '';
}

/** A form field within its limit, or a 422 that names the field; `label` is what the form calls it. */
export function boundedField(body: unknown, name: string, max: number, label: string): string {
  const v = field(body, name);
  if (v.length > max) throw new PageError(422, 'Nội dung quá dài', `${label} dài ${v.length.toLocaleString('vi-VN')} ký tự, vượt giới hạn ${max.toLocaleString('vi-VN')} ký tự. Chưa có thay đổi nào được ghi nhận.`);
  return v;
}

/** The URL as logs may keep it: a unit's link token works for weeks, so it never reaches a log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]t=)[^&#]*/g, '$1[đã-ẩn]');
}
