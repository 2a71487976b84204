/**
 * Durations as an Office writes them: "3 working days" / "3 ngày làm việc", "10 days" / "10 ngày", or
 * ISO 8601 ("PT30S", "P2D") for exact periods, which let demos and tests run in seconds.
 */
export type Duration =
  { kind: 'working'; days: number } | { kind: 'calendar'; days: number } | { kind: 'exact'; ms: number };

const WORKING_RE = /^(\d+)\s*(working days?|wd|ngày làm việc)$/i;
const CALENDAR_RE = /^(\d+)\s*(days?|ngày)$/i;
/** Urgent directives count in hours ("2 giờ"): an exact period, round the clock. */
const HOURS_RE = /^(\d+)\s*(hours?|giờ)$/i;
const MINUTES_RE = /^(\d+)\s*(minutes?|phút)$/i;
const ISO_RE = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDuration(text: string): Duration {
  const s = text.normalize('NFC').trim();
  let m = WORKING_RE.exec(s);
  if (m) return { kind: 'working', days: Number(m[1]) };
  m = CALENDAR_RE.exec(s);
  if (m) return { kind: 'calendar', days: Number(m[1]) };
  m = HOURS_RE.exec(s);
  if (m) return { kind: 'exact', ms: Number(m[1]) * 3_600_000 };
  m = MINUTES_RE.exec(s);
  if (m) return { kind: 'exact', ms: Number(m[1]) * 60_000 };
  m = ISO_RE.exec(s);
  if (m && s !== 'P' && !s.endsWith('T')) {
    const [w, d, h, min, sec] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number];
    return { kind: 'exact', ms: Math.round((((w * 7 + d) * 24 + h) * 60 + min) * 60_000 + sec * 1000) };
  }
  throw new SyntaxError(
    `không hiểu khoảng thời gian "${text}" (ví dụ hợp lệ: "3 ngày làm việc", "10 ngày", "2 giờ", "30 phút", "PT30S")`,
  );
}

export function formatDuration(d: Duration): string {
  switch (d.kind) {
    case 'working':
      return `${d.days} ngày làm việc`;
    case 'calendar':
      return `${d.days} ngày`;
    case 'exact':
      return formatExact(d.ms);
  }
}

/** "2 giờ 30 phút", "45 giây": hours, minutes and seconds, each only when present. */
function formatExact(ms: number): string {
  if (ms % 1000 !== 0) return `${ms} ms`;
  const total = ms / 1000;
  const parts = [
    [Math.floor(total / 3600), 'giờ'],
    [Math.floor((total % 3600) / 60), 'phút'],
    [total % 60, 'giây'],
  ].filter(([n]) => n) as [number, string][];
  return parts.length ? parts.map(([n, unit]) => `${n} ${unit}`).join(' ') : '0 giây';
}
