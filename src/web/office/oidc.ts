import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as oidc from 'openid-client';
import type { Config } from '../../config';
import { PageError, sendPage, type WebDeps } from '../context';
import { html } from '../html';
import { createHmac } from 'node:crypto';
import { requireSecret } from '../../config';
import { safeEqual } from '../session';
import { cookieOptions, type OfficeSessionCookies } from '../plugins/session';
import { parseRoleMap, rolesFromClaim } from '../../accounts/provider-roles';

const STATE_COOKIE = 'chidao_oidc';
const PATH = '/office/login/oidc';

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  rolesClaim: string;
  roleMap: ReturnType<typeof parseRoleMap>;
}

/** Single sign-on settings, when the administrator set them; a half-set configuration stops the server. */
export function oidcSettings(c: Config): OidcSettings | undefined {
  const set = [c.CHIDAO_OIDC_ISSUER, c.CHIDAO_OIDC_CLIENT_ID, c.CHIDAO_OIDC_CLIENT_SECRET];
  if (set.every((v) => !v)) return undefined;
  if (set.some((v) => !v))
    throw new Error(
      'Đăng nhập một lần (OpenID Connect) cần đủ CHIDAO_OIDC_ISSUER, CHIDAO_OIDC_CLIENT_ID và CHIDAO_OIDC_CLIENT_SECRET.',
    );
  const issuer = new URL(c.CHIDAO_OIDC_ISSUER!);
  if (issuer.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname))
    throw new Error('CHIDAO_OIDC_ISSUER phải là địa chỉ https (http chỉ dùng cho máy này khi thử nghiệm).');
  return {
    issuer,
    clientId: c.CHIDAO_OIDC_CLIENT_ID!,
    clientSecret: c.CHIDAO_OIDC_CLIENT_SECRET!,
    rolesClaim: c.CHIDAO_OIDC_ROLES_CLAIM,
    roleMap: parseRoleMap(c.CHIDAO_OIDC_ROLE_MAP),
  };
}

const unreachable = new PageError(
  503,
  'Chưa đăng nhập được',
  'Không kết nối được nhà cung cấp định danh của cơ quan. Hãy thử lại sau hoặc báo quản trị viên.',
);

/**
 * Login through the office's identity provider with openid-client: authorization code with PKCE, state
 * and nonce kept in a short-lived cookie, the ID token checked by the library, roles from a claim. The
 * provider's metadata is fetched at the first login and kept; a failed fetch is tried again next time.
 */
export function oidcRoutes(app: FastifyInstance, deps: WebDeps, sessions: OfficeSessionCookies, s: OidcSettings) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const https = deps.config.CHIDAO_PUBLIC_URL.startsWith('https:');
  const redirectUri = new URL(`${PATH}/callback`, deps.config.CHIDAO_PUBLIC_URL).href;
  let configuration: Promise<oidc.Configuration> | undefined;
  const discover = () =>
    (configuration ??= oidc
      .discovery(
        s.issuer,
        s.clientId,
        s.clientSecret,
        undefined,
        // Only for a provider on this machine (oidcSettings refuses http elsewhere): tests and local trials.
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        s.issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((e: unknown) => {
        configuration = undefined;
        throw e;
      }));
  // Signed with the session secret: a cookie planted by a neighbouring site cannot choose the state.
  const key = createHmac('sha256', requireSecret(deps.config.CHIDAO_SESSION_SECRET, 'CHIDAO_SESSION_SECRET'))
    .update('chidao/oidc-state')
    .digest();
  const mac = (v: string) => createHmac('sha256', key).update(v).digest('base64url');
  const seal = (v: string) => `${Buffer.from(v).toString('base64url')}.${mac(v)}`;
  const unseal = (cookie: string | undefined): string | undefined => {
    const [body, sig] = (cookie ?? '').split('.');
    if (!body || !sig) return undefined;
    const v = Buffer.from(body, 'base64url').toString('utf8');
    return safeEqual(sig, mac(v)) ? v : undefined;
  };
  // The provider sends the browser back cross-site: a Lax cookie comes along on that top-level GET.
  const stateCookie = { ...cookieOptions(https, PATH), sameSite: 'lax' as const, maxAge: 600 };

  r.get(
    PATH,
    { schema: { querystring: z.object({ next: z.string().max(500).optional() }).loose() } },
    async (req, reply) => {
      const config = await discover().catch(() => {
        throw unreachable;
      });
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const next = /^\/office(\/|$|\?)/.test(req.query.next ?? '') ? req.query.next! : '/office';
      reply.setCookie(STATE_COOKIE, seal(JSON.stringify({ verifier, state, nonce, next })), stateCookie);
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return reply.redirect(url.href, 303);
    },
  );

  r.get(
    `${PATH}/callback`,
    { config: { rateLimit: { max: 30, timeWindow: '15 minutes' } } },
    async (req, reply): Promise<FastifyReply> => {
      const kept = z
        .object({ verifier: z.string(), state: z.string(), nonce: z.string(), next: z.string() })
        .safeParse(safeJson(unseal(req.cookies[STATE_COOKIE])));
      reply.clearCookie(STATE_COOKIE, stateCookie);
      if (!kept.success)
        throw new PageError(400, 'Phiên đăng nhập đã cũ', 'Phiên đăng nhập một lần đã hết hạn; hãy đăng nhập lại.');
      const config = await discover().catch(() => {
        throw unreachable;
      });
      let claims: oidc.IDToken | undefined;
      try {
        const tokens = await oidc.authorizationCodeGrant(config, new URL(req.url, redirectUri), {
          pkceCodeVerifier: kept.data.verifier,
          expectedState: kept.data.state,
          expectedNonce: kept.data.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (e) {
        req.log.warn({ err: e }, 'oidc callback refused');
        throw new PageError(
          401,
          'Chưa đăng nhập được',
          'Nhà cung cấp định danh không xác nhận lần đăng nhập này (bị hủy, hết hạn hoặc không hợp lệ). Hãy đăng nhập lại.',
        );
      }
      if (!claims) throw unreachable;
      const outcome = await deps.accounts.signInFromProvider({
        issuer: claims.iss,
        subject: claims.sub,
        login: String(claims.preferred_username ?? claims.sub),
        name: typeof claims.name === 'string' ? claims.name.slice(0, 200) : '',
        roles: rolesFromClaim(claims[s.rolesClaim], s.roleMap),
      });
      if (!outcome.ok) throw new PageError(403, 'Chưa đăng nhập được', outcome.reason);
      sessions.start(reply, outcome.account);
      // A page, not a redirect: the session cookie is SameSite=Strict, and a browser does not send it on
      // a redirect chain that began at the provider's site. A same-site navigation from here does.
      const next = kept.data.next;
      return sendPage(
        reply,
        'Đã đăng nhập',
        html`<meta http-equiv="refresh" content="0;url=${next}" />
          <p>Đã đăng nhập. <a href="${next}">Tiếp tục</a></p>`,
      );
    },
  );
}

function safeJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
