import { createServer } from 'node:net';

/**
 * A port that was free a moment ago. Another process may take it before the caller binds it: bind port 0
 * where the server allows it, else go through `onFreePort`, which tries again with another port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const inUse = (e: unknown): boolean =>
  (e as { code?: string }).code === 'EADDRINUSE' || /EADDRINUSE|already in use/i.test(String(e));

/**
 * Binds with `bind(port)` on a free port, and on a port taken in between (EADDRINUSE) tries another one.
 * Any other error is thrown at once; so is the last EADDRINUSE after `attempts`.
 */
export async function onFreePort<T>(bind: (port: number) => Promise<T> | T, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await bind(await freePort());
    } catch (e) {
      if (!inUse(e) || i >= attempts) throw e;
    }
  }
}

const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/**
 * The first of `count` consecutive ports that were all free a moment ago, for a server that takes a block
 * (the Temporal cluster). As with freePort, bind through a retry: another process may take one meanwhile.
 */
export async function freePortRange(count: number): Promise<number> {
  // Below Linux's ephemeral range (32768–60999): there every listen(0) and outgoing connection of the other
  // tests running meanwhile can take a port of the block between this check and the cluster's bind.
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (32_768 - 20_000 - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await bindable(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
