import type { Registries } from '../registries/registries';
import type { Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import type { LinkSigner } from '../links/signer';
import type { SessionStore } from './session';
import type { Accounts } from '../accounts/accounts';
import type { AuditStore } from '../audit/store';
import type { Keyring } from '../audit/keys';
import { OfficeRefusal, type Office } from '../office';
import { html, page, type Html } from './html';

/** What the pages need; the server builds it once, tests build it with real parts. */
export interface WebDeps {
  client: Client;
  /** Every act of the pages goes through it, as the CLI's do. */
  office: Office;
  config: Config;
  links: LinkSigner;
  /** Only when the dashboard is on (CHIDAO_SESSION_SECRET set). */
  sessions?: SessionStore | undefined;
  /** The Office's accounts: who may log in, with which roles. */
  accounts: Accounts;
  /** The registries of units runs are sent to. */
  registries: Registries;
  /** The audit store (opened per request, closed after) and the auditors' keyring, for the auditor's view. */
  audit: { store: () => AuditStore; keyring: () => Keyring | undefined };
  now: () => number;
}

/** A failure the visitor can act on, shown as a page with this status. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }

  /** Fastify reads it when a PageError is thrown (rate limits, plugins). */
  get statusCode(): number {
    return this.status;
  }
}

/** Page titles of the Office's refusals of what was typed, by type and field. */
function inputTitle(r: OfficeRefusal): string {
  if (r.type === 'TooLong') return 'Nội dung quá dài';
  if (r.type === 'Missing') return r.field === 'reason' ? 'Thiếu lý do' : 'Thiếu nội dung';
  if (r.field === 'until' || r.field === 'due') return 'Thiếu hoặc sai ngày';
  return 'Không thực hiện được';
}

/**
 * The page for a refusal of the Office service: what was typed (422), no such run or unit (404), or a
 * state that forbids the act (409). Undefined for anything that is not a refusal (a 500 follows).
 */
export function pageErrorOf(e: unknown): PageError | undefined {
  if (e instanceof PageError) return e;
  if (!(e instanceof OfficeRefusal)) return undefined;
  if (e.type === 'NotFound')
    return new PageError(
      404,
      'Không tìm thấy',
      'Không tìm thấy đợt gửi hoặc đơn vị này; có thể đợt gửi đã kết thúc từ lâu.',
    );
  if (e.isInput && (e.field === 'key' || e.field === 'unit')) return new PageError(404, 'Không tìm thấy', e.message);
  if (e.isInput) return new PageError(422, inputTitle(e), e.message);
  return new PageError(409, 'Không thực hiện được', e.message);
}

export function sendPage(
  reply: FastifyReply,
  title: string,
  body: Html,
  opts: { status?: number; nav?: Html } = {},
): FastifyReply {
  return reply
    .code(opts.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(page({ title, body, ...(opts.nav ? { nav: opts.nav } : {}) }));
}

export function errorPage(reply: FastifyReply, e: PageError, nav?: Html): FastifyReply {
  return sendPage(reply, e.title, html`<div class="notice bad" role="alert"><p>${e.message}</p></div>`, {
    status: e.status,
    ...(nav ? { nav } : {}),
  });
}

/** The client's address and browser, for the audit record of an act done through a page. */
export function visitor(req: FastifyRequest): { ip: string; userAgent: string } {
  return { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300) };
}

/** The URL as logs may keep it: a unit's link token works for weeks, so it never reaches a log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:t|csrf)=)[^&#]*/g, '$1[đã-ẩn]');
}
