import { esc } from './html';
import { vnDateTime } from '../domain/vn-format';

export interface ProgressInput {
  total: number;
  from: number;
  to: number;
  acknowledged: number[];
  reported: number[];
}

/**
 * Cumulative acknowledgements and reports over time as an inline SVG step chart: no script, no CDN,
 * and a text alternative for screen readers.
 */
export function progressChart({ total, from, to, acknowledged, reported }: ProgressInput): string {
  const W = 640;
  const H = 240;
  const pad = { l: 44, r: 12, t: 12, b: 36 };
  const span = Math.max(1, to - from);
  const x = (t: number) => pad.l + ((Math.min(Math.max(t, from), to) - from) / span) * (W - pad.l - pad.r);
  const y = (n: number) => H - pad.b - (total ? n / total : 0) * (H - pad.t - pad.b);
  const steps = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    let d = `M${x(from).toFixed(1)},${y(0).toFixed(1)}`;
    sorted.forEach((t, i) => (d += ` H${x(t).toFixed(1)} V${y(i + 1).toFixed(1)}`));
    return d + ` H${x(to).toFixed(1)}`;
  };
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * total));
  const grid = [...new Set(ticks)]
    .map(
      (n) =>
        `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(n)}" y2="${y(n)}" stroke="#d0d7de"/><text x="${pad.l - 6}" y="${y(n) + 4}" text-anchor="end" font-size="11" fill="#57606a">${n}</text>`,
    )
    .join('');
  const desc = `Đã xác nhận ${acknowledged.length}/${total}, đã báo cáo ${reported.length}/${total}, từ ${vnDateTime(from)} đến ${vnDateTime(to)}.`;
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="chart-t chart-d" xmlns="http://www.w3.org/2000/svg">
<title id="chart-t">Tiến độ xác nhận và báo cáo</title><desc id="chart-d">${esc(desc)}</desc>
${grid}
<path d="${steps(acknowledged)}" fill="none" stroke="#0b5cad" stroke-width="2"/>
<path d="${steps(reported)}" fill="none" stroke="#1a7f37" stroke-width="2" stroke-dasharray="6 3"/>
<text x="${pad.l}" y="${H - 8}" font-size="11" fill="#57606a">${esc(vnDateTime(from))}</text>
<text x="${W - pad.r}" y="${H - 8}" font-size="11" fill="#57606a" text-anchor="end">${esc(vnDateTime(to))}</text>
<g font-size="12"><rect x="${pad.l + 8}" y="${pad.t + 2}" width="12" height="3" fill="#0b5cad"/><text x="${pad.l + 24}" y="${pad.t + 8}">Đã xác nhận (${acknowledged.length})</text>
<rect x="${pad.l + 168}" y="${pad.t + 2}" width="12" height="3" fill="#1a7f37"/><text x="${pad.l + 184}" y="${pad.t + 8}">Đã báo cáo (${reported.length})</text></g>
</svg>`;
}
