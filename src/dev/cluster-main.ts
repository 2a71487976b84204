import { startCluster } from './cluster';
import { exitAfterFlush, stopOnSignal } from './process-exit';

/**
 * npm run cluster: a Temporal cluster on PostgreSQL with its services as separate processes, kept in
 * CHIDAO_CLUSTER_DIR (default .data/cluster) with the frontend on CHIDAO_CLUSTER_PORT (default 7433; the
 * services and PostgreSQL take the 11 ports after it). Ctrl-C stops everything; the state stays.
 */
const port = Number(process.env.CHIDAO_CLUSTER_PORT ?? 7433);
if (!Number.isInteger(port) || port < 1024 || port > 65535 - 12) {
  console.error(`Lỗi: CHIDAO_CLUSTER_PORT="${process.env.CHIDAO_CLUSTER_PORT}" không phải cổng hợp lệ (1024–65523).`);
  await exitAfterFlush(2);
}
try {
  const cluster = await startCluster({
    dataDir: process.env.CHIDAO_CLUSTER_DIR ?? '.data/cluster',
    basePort: port,
    onProgress: (what) => console.log(`cluster: khởi động ${what}`),
  });
  console.log(
    [
      '',
      `Cụm Temporal đang chạy: ${cluster.address} (không gian tên "${cluster.namespace}")`,
      `  dữ liệu: ${cluster.dataDir}   nhật ký: ${cluster.logDir}`,
      `  dùng:    export TEMPORAL_ADDRESS=${cluster.address}`,
      '           npm run worker   |   npx chidao serve   |   npx chidao status …',
      'Nhấn Ctrl-C để dừng (dữ liệu được giữ lại cho lần chạy sau).',
    ].join('\n'),
  );
  const signals = stopOnSignal('\nĐang dừng cụm…', () => cluster.stop());
  // A service that dies is said at once, not discovered later by a worker's errors.
  for (const [name, child] of cluster.processes)
    child.once('exit', (code, signal) => {
      if (!signals.stopping)
        console.error(
          `cluster: dịch vụ ${name} đã dừng (${signal ?? `mã ${code}`}); xem ${cluster.logDir}/${name}.log`,
        );
    });
} catch (e) {
  console.error(`Lỗi: ${(e as Error).message}`);
  await exitAfterFlush(1);
}
