import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Actor, UnitBrief } from '../../domain/unit-state';
import { OfficeRefusal } from '../../office';
import { sendPage, visitor, type WebDeps } from '../context';
import { html } from '../html';
import type { LinkAction, LinkClaims } from '../../links/signer';
import { LINK_REFUSED, unitViews, type Kept, type UnitView } from './view';

const tokenOf = (req: FastifyRequest) => String((req.query as { t?: unknown } | undefined)?.t ?? '');

/** What every unit route needs: the link's claims, the unit's view, its actor, the refused form. */
export function unitKit(deps: WebDeps) {
  const { office, links, now } = deps;
  const views = unitViews(links, deps.config.CHIDAO_UPLOAD_MAX_BYTES);

  /** The link's claims if it is genuine, unexpired and meant for one of these actions. */
  function claimsOf(token: string, allowed: LinkAction[]): { claims: LinkClaims; token: string } {
    const v = links.verify(token, now());
    if (!v.ok) throw LINK_REFUSED[v.reason];
    if (!allowed.includes(v.claims.action)) throw LINK_REFUSED['wrong-action'];
    return { claims: v.claims, token };
  }

  async function load(token: string, allowed: LinkAction[]): Promise<UnitView> {
    const { claims } = claimsOf(token, allowed);
    const [run, unit] = await Promise.all([office.run(claims.run), office.unit(claims.run, claims.unit)]);
    // Links mailed to an address the Office has since corrected stop working.
    if ((unit.linkGeneration ?? 0) !== claims.gen) throw LINK_REFUSED.replaced;
    return { claims, token, run, unit };
  }

  /** Per unit, so one link holder cannot flood the Office; by address for links that do not verify. */
  const perUnit: RouteShorthandOptions = {
    config: {
      rateLimit: {
        max: 20,
        timeWindow: '1 minute',
        keyGenerator: (req: FastifyRequest) => {
          const v = links.verify(tokenOf(req), now());
          return v.ok ? `unit:${v.claims.run}/${v.claims.unit}` : `ip:${req.ip}`;
        },
      },
    },
  };

  const actor = (v: UnitView, req: FastifyRequest): Actor => ({
    channel: 'link',
    by: v.unit.unit.name,
    ...visitor(req),
  });
  const ref = (v: UnitView) => ({ key: v.claims.run, unit: v.claims.unit });

  /** The page or the document opened through the link: the unit's first view is recorded ("đã xem"). */
  async function seen(v: UnitView, req: FastifyRequest, what: { document?: true } = {}): Promise<UnitView> {
    const first = what.document ? v.unit.documentOpenedAt === undefined : v.unit.viewedAt === undefined;
    if (first) await office.markViewed({ ...ref(v), by: actor(v, req), ...what });
    return v;
  }

  /**
   * A refusal of what was typed (422) or by the workflow (409) brings the form back with what was typed;
   * a run that has finished, or anything else, goes to the error page.
   */
  async function orForm<T>(reply: FastifyReply, v: UnitView, title: string, kept: Kept, act: () => Promise<T>) {
    try {
      return { ok: true as const, value: await act() };
    } catch (e) {
      if (!(e instanceof OfficeRefusal) || e.origin === 'finished') throw e;
      const error = e.origin === 'input' ? e.message : `${e.message} Chưa có thay đổi nào được ghi nhận.`;
      return {
        ok: false as const,
        reply: await sendPage(reply, title, views.reportForm(v, { ...kept, error }), {
          status: e.origin === 'input' ? 422 : 409,
        }),
      };
    }
  }

  const done = (reply: FastifyReply, v: UnitView, brief: UnitBrief, title: string, message: string) =>
    sendPage(
      reply,
      title,
      html`<div class="notice ok" role="status"><p>${message}</p></div>
        ${views.facts(v.run, brief)}${views.statusLink(v)}`,
    );

  return { ...views, load, seen, perUnit, actor, ref, orForm, done };
}
