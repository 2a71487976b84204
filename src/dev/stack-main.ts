import { startStack } from './stack';

/** process.exit() drops what a piped stdout or stderr has not taken yet: flush first. */
async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))));
  process.exit(code);
}

// npm run dev: the stack stays up until Ctrl-C, which stops every child cleanly.
try {
  const stack = await startStack({ persistent: true });
  console.log(
    '\nĐang chạy. Nhấn Ctrl-C để dừng. Ví dụ:\n  npx chidao start examples/4432-TCTHADS-VP.yaml --registry examples/units-thads-2023.yaml',
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nĐang dừng…');
    await stack.stop();
    await exitAfterFlush(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
} catch (e) {
  console.error(`Lỗi: ${(e as Error).message}`);
  await exitAfterFlush(1);
}
