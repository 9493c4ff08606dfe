// The autoscaling study's figures: an SVG per trace (pods holding GPUs and TTFT p90, minute by
// minute, one line per policy, with the offered load and the target), an ASCII strip per policy for
// the terminal, and the markdown table.
import type { AutoscaleRun, SloTarget } from './summary';

const COLORS: Record<string, string> = { 'static-peak': '#7f7f7f', 'hpa-gpu-util': '#ff7f0e', saturation: '#1f77b4', slo: '#2ca02c', predictive: '#d62728' };
const color = (p: string) => COLORS[p] ?? '#9467bd';

/** Two panels over the trace's minutes: pods (with the offered load in pods' worth, dashed) and TTFT p90 (log) against the target. */
export function traceSvg(runs: readonly AutoscaleRun[], title: string, subtitle: string, slo: SloTarget, loadInPods: readonly number[]): string {
  const W = 820;
  const panelH = 230;
  const m = { l: 64, r: 150, t: 56, gap: 46, b: 40 };
  const H = m.t + 2 * panelH + m.gap + m.b;
  const n = Math.max(...runs.map((r) => r.minutes.length));
  const x = (minute: number) => m.l + (minute / Math.max(1, n)) * (W - m.l - m.r);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(W - m.r + m.l) / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<text x="${(W - m.r + m.l) / 2}" y="40" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`,
  ];
  // Top: pods holding GPUs.
  // A multiple of 4: the four grid lines fall on whole pods.
  const podMax = 4 * Math.ceil((Math.max(...runs.flatMap((r) => r.minutes.map((x) => x.pods)), ...loadInPods) + 0.5) / 4);
  const top = m.t;
  const yPods = (v: number) => top + panelH - (v / podMax) * panelH;
  axes(parts, m.l, top, W - m.r, panelH, 'pods holding a GPU', (v) => v.toFixed(0), (f) => f * podMax);
  parts.push(`<polyline fill="none" stroke="#bbb" stroke-width="2" stroke-dasharray="5,4" points="${loadInPods.map((v, i) => `${x(i + 0.5).toFixed(1)},${yPods(v).toFixed(1)}`).join(' ')}"/>`);
  for (const r of runs) parts.push(`<polyline fill="none" stroke="${color(r.policy)}" stroke-width="2" points="${stepPoints(r.minutes.map((mm) => mm.pods), x, yPods)}"/>`);
  // Bottom: TTFT p90, log scale, with the target.
  const bottom = m.t + panelH + m.gap;
  const vals = runs.flatMap((r) => r.minutes.map((mm) => mm.ttftP)).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.log10(Math.min(slo.ttftMs / 10, ...vals));
  const hi = Math.log10(Math.max(slo.ttftMs * 2, ...vals));
  const yT = (v: number) => bottom + panelH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * panelH;
  axes(parts, m.l, bottom, W - m.r, panelH, `TTFT p${slo.percentile} (ms, log)`, (v) => fmt(10 ** (lo + v)), (f) => f * (hi - lo));
  parts.push(`<line x1="${m.l}" y1="${yT(slo.ttftMs)}" x2="${W - m.r}" y2="${yT(slo.ttftMs)}" stroke="#d62728" stroke-dasharray="3,3"/><text x="${W - m.r + 4}" y="${yT(slo.ttftMs) + 4}" fill="#d62728">target ${slo.ttftMs} ms</text>`);
  for (const r of runs) {
    const pts = r.minutes.filter((mm) => Number.isFinite(mm.ttftP)).map((mm) => `${x(mm.minute + 0.5).toFixed(1)},${yT(mm.ttftP).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${color(r.policy)}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
  }
  for (let t = 0; t <= n; t += Math.max(1, Math.round(n / 12))) parts.push(`<text x="${x(t)}" y="${bottom + panelH + 16}" text-anchor="middle">${t}</text>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">simulated minute</text>`);
  // Legend.
  runs.forEach((r, i) => parts.push(`<rect x="${W - m.r + 14}" y="${m.t + i * 20}" width="12" height="12" fill="${color(r.policy)}"/><text x="${W - m.r + 31}" y="${m.t + i * 20 + 10}">${esc(r.policy)}</text>`));
  parts.push(`<line x1="${W - m.r + 14}" y1="${m.t + runs.length * 20 + 6}" x2="${W - m.r + 26}" y2="${m.t + runs.length * 20 + 6}" stroke="#bbb" stroke-width="2" stroke-dasharray="4,3"/><text x="${W - m.r + 31}" y="${m.t + runs.length * 20 + 10}">offered load (pods)</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

function axes(parts: string[], l: number, t: number, r: number, h: number, label: string, tick: (v: number) => string, at: (f: number) => number): void {
  parts.push(`<line x1="${l}" y1="${t + h}" x2="${r}" y2="${t + h}" stroke="black"/><line x1="${l}" y1="${t}" x2="${l}" y2="${t + h}" stroke="black"/>`);
  parts.push(`<text x="16" y="${t + h / 2}" text-anchor="middle" transform="rotate(-90 16 ${t + h / 2})">${esc(label)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = t + h - (i / 4) * h;
    parts.push(`<line x1="${l - 4}" y1="${y}" x2="${r}" y2="${y}" stroke="#eee"/><text x="${l - 8}" y="${y + 4}" text-anchor="end">${tick(at(i / 4))}</text>`);
  }
}

function stepPoints(values: readonly number[], x: (m: number) => number, y: (v: number) => number): string {
  return values.flatMap((v, i) => [`${x(i).toFixed(1)},${y(v).toFixed(1)}`, `${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`]).join(' ');
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(2));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const BARS = ' ▁▂▃▄▅▆▇█';

/** One trace in the terminal: per policy, pods per minute as a bar strip (P/D: each pool's under it, same scale), and the minutes missed. */
export function asciiStrips(runs: readonly AutoscaleRun[], loadInPods: readonly number[]): string {
  const max = Math.max(...runs.flatMap((r) => r.minutes.map((m) => m.pods)), ...loadInPods, 1);
  const bar = (v: number) => BARS[Math.max(0, Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1))))];
  const pools = (r: AutoscaleRun) => (r.topology === 'pd' ? Object.keys(r.meanPodsByPool) : []);
  const width = Math.max(...runs.map((r) => r.policy.length), ...runs.flatMap((r) => pools(r).map((p) => p.length + 2)), 'offered load'.length);
  const lines = [`${'offered load'.padEnd(width)} |${loadInPods.map(bar).join('')}|  pods' worth, full scale ${max.toFixed(1)} pods`];
  for (const r of runs) {
    lines.push(`${r.policy.padEnd(width)} |${r.minutes.map((m) => bar(m.pods)).join('')}|`);
    for (const p of pools(r)) lines.push(`${`  ${p}`.padEnd(width)} |${r.minutes.map((m) => bar(m.podsByPool[p] ?? 0)).join('')}|`);
    if (r.minutesMissed > 0) lines.push(`${''.padEnd(width)}  ${r.minutes.map((m) => (m.met ? ' ' : 'x')).join('')}   x: minute missed the target`);
  }
  return lines.join('\n');
}

const f = (x: number | undefined, d = 0) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '-');

/** The study's table; with P/D runs, each pool's mean pods and the share of requests prefilled on the prefill pool too. */
export function markdownTable(runs: readonly AutoscaleRun[]): string {
  const pd = runs.some((r) => r.topology === 'pd');
  const cols = ['trace', 'policy', 'SLO attainment', 'minutes missed', 'GPU-hours', 'vs static-peak', 'scaling actions', 'mean pods', ...(pd ? ['mean prefill pods', 'mean decode pods', 'via prefill'] : []), 'max pods', 'TTFT p90 ms', 'ITL p90 ms', 'requests'];
  const rows = runs.map((r) =>
    [
      r.trace,
      r.policy,
      `${f(r.sloAttainment * 100, 1)}%`,
      `${r.minutesMissed}/${r.minutes.length}`,
      f(r.gpuHours, 2),
      r.gpuHoursVsStatic !== undefined ? `${f(r.gpuHoursVsStatic * 100, 0)}%` : '-',
      String(r.scalingActions),
      f(r.meanPods, 2),
      ...(pd ? [f(r.meanPodsByPool.prefill, 2), f(r.meanPodsByPool.decode, 2), r.prefillShare !== undefined ? `${f(r.prefillShare * 100, 1)}%` : '-'] : []),
      f(r.maxPods, 1),
      f(r.ttftP90Ms),
      f(r.itlP90Ms, 1),
      String(r.requests),
    ].join(' | '),
  );
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r} |`)].join('\n');
}
