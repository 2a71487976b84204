import { startStack } from './stack';

// npm run dev: the stack stays up until Ctrl-C, which stops every child cleanly.
try {
  const stack = await startStack({ persistent: true });
  console.log('\nĐang chạy. Nhấn Ctrl-C để dừng. Ví dụ:\n  npx chidao start examples/4432-TCTHADS-VP.yaml --registry examples/units-thads-2023.yaml');
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nĐang dừng…');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (e) {
  console.error(`Lỗi: ${(e as Error).message}`);
  process.exit(1);
}
