import type { FastifyInstance } from 'fastify';
import { correctionRoutes } from './correction';
import { errorPage, PageError, type WebDeps } from '../context';
import { OfficeSessionCookies } from '../plugins/session';
import { guard, loginRoutes, logoutRoute, passwordRoutes } from './auth';
import { runRoutes } from './runs';
import { unitRoutes } from './unit';
import { auditRoutes } from './audit';
import { accountRoutes } from './accounts';
import { registryRoutes } from './registries';
import { policyRoutes } from './policies';
import { newRunRoutes } from './new-run';
import { workRoutes } from './work';
import { inboundRoutes } from './inbound';
import { oidcRoutes, oidcSettings } from './oidc';

/**
 * The Office's dashboard: each person under their own account and server-side session, a CSRF token on
 * every form, and every route declaring the permission it needs.
 * The routes that show or change anything live in a plugin of their own whose hook guards every route
 * registered in it, whatever spelling of the URL reached it.
 */
export async function officePages(root: FastifyInstance, deps: WebDeps): Promise<void> {
  await root.register(async (office) => {
    if (!deps.sessions) {
      const off = new PageError(
        503,
        'Bảng điều khiển chưa bật',
        'Quản trị viên cần đặt khóa CHIDAO_SESSION_SECRET và tạo tài khoản (chidao user add) để bật bảng điều khiển của Văn phòng.',
      );
      office.all('/office', async (_req, reply) => errorPage(reply, off));
      office.all('/office/*', async (_req, reply) => errorPage(reply, off));
      return;
    }
    const https = deps.config.CHIDAO_PUBLIC_URL.startsWith('https:');
    const sessions = new OfficeSessionCookies(deps.sessions, deps.accounts, https, deps.now);
    // Read at start: a half-set single sign-on stops the server rather than half-working.
    const sso = oidcSettings(deps.config);
    loginRoutes(office, deps, sessions, !!sso);
    if (sso) oidcRoutes(office, deps, sessions, sso);
    await office.register(async (guarded) => {
      guard(guarded, sessions);
      logoutRoute(guarded, sessions);
      passwordRoutes(guarded, deps, sessions);
      runRoutes(guarded, deps, sessions);
      unitRoutes(guarded, deps, sessions);
      auditRoutes(guarded, deps);
      accountRoutes(guarded, deps, sessions);
      registryRoutes(guarded, deps, sessions);
      policyRoutes(guarded, deps, sessions);
      newRunRoutes(guarded, deps, sessions);
      correctionRoutes(guarded, deps, sessions);
      workRoutes(guarded, deps);
      inboundRoutes(guarded, deps, sessions);
    });
  });
}
