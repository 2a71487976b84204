/**
 * Calls `fn` on every item, at most `lanes` at once: enough to keep a 10,000-unit fan-out of updates or
 * describes short, few enough not to crowd the worker or the server.
 */
export async function inLanes<T>(items: readonly T[], fn: (item: T) => Promise<void>, lanes = 16): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}
