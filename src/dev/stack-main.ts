import { startStack } from './stack';
import { exitAfterFlush, stopOnSignal } from './process-exit';

// npm run dev: the stack stays up until Ctrl-C, which stops every child cleanly.
try {
  const stack = await startStack({ persistent: true });
  console.log(
    '\nĐang chạy. Nhấn Ctrl-C để dừng. Ví dụ:\n  npx chidao start examples/4432-TCTHADS-VP.yaml --registry examples/units-thads-2023.yaml',
  );
  stopOnSignal('\nĐang dừng…', () => stack.stop());
} catch (e) {
  console.error(`Lỗi: ${(e as Error).message}`);
  await exitAfterFlush(1);
}
