import { existsSync } from 'node:fs';

/** Debian's Chromium, which scripts/setup installs; CHIDAO_CHROMIUM points elsewhere. */
export function chromiumPath(): string {
  const path = process.env.CHIDAO_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new Error(
      `Chromium không có ở ${path}: chạy "bash scripts/setup" (cài gói chromium) hoặc đặt CHIDAO_CHROMIUM`,
    );
  return path;
}

// Without the background-networking flags Chromium keeps dialling Google's hosts on a closed network.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
