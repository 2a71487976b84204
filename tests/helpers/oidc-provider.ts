import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

export interface Person {
  name: string;
  roles: string[];
}

/**
 * A real OpenID Connect provider (panva's oidc-provider, the one openid-client is tested against) on a
 * port of this machine, with its development login pages: any password logs in as the login typed.
 * `people` says who each login is; it may change between logins (roles moved at the provider).
 */
export async function startProvider(redirectUri: string, people: Record<string, Person>) {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  const client = { id: 'chidao-van-phong', secret: randomBytes(24).toString('hex') };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'roles'] },
    // The profile's claims in the ID token itself, as many office providers are configured.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: (_ctx, id) => {
      const p = people[id];
      return p
        ? { accountId: id, claims: () => ({ sub: id, name: p.name, preferred_username: id, roles: p.roles }) }
        : undefined;
    },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => void handle(req, res));
  return {
    issuer,
    client,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
