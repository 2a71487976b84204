/** process.exit() drops what a piped stdout has not taken yet (`npm run demo -- --once | tee`): flush first. */
export async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))));
  process.exit(code);
}

/** Ctrl-C or SIGTERM: say so, stop once (a second signal while stopping does nothing more), exit 0. */
export function stopOnSignal(saying: string, stop: () => Promise<void>): { readonly stopping: boolean } {
  const state = { stopping: false };
  const shutdown = async () => {
    if (state.stopping) return;
    state.stopping = true;
    console.log(saying);
    await stop();
    await exitAfterFlush(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  return state;
}
