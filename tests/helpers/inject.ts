import { expect } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** Fastify inject helpers shared by the route tests: a cookie by name, a multipart body, a login. */
export const cookieOf = (r: LightMyRequestResponse, name: string) => r.cookies.find((c) => c.name === name)?.value;

/** A multipart/form-data body as a browser sends it; a part with `filename` is a file. */
export function multipart(parts: { name: string; value: string | Buffer; filename?: string }[]) {
  const boundary = '----chidao-test-boundary';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    const type = p.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Posts the login form as a browser does (its nonce cookie and field); the answer, whatever it is. */
export async function postLogin(
  app: FastifyInstance,
  who: { login: string; password: string },
  next = '/office',
): Promise<LightMyRequestResponse> {
  const form = await app.inject({ method: 'GET', url: '/office/login' });
  const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)![1]!;
  return app.inject({
    method: 'POST',
    url: '/office/login',
    cookies: { chidao_login: cookieOf(form, 'chidao_login')! },
    payload: { nonce, next, login: who.login, password: who.password },
  });
}

/** Logs in to the Office's dashboard through its form; returns the session cookie. */
export async function injectLogin(app: FastifyInstance, who: { login: string; password: string }): Promise<string> {
  const r = await postLogin(app, who);
  expect(r.statusCode, r.body).toBe(303);
  return cookieOf(r, 'chidao_session')!;
}
