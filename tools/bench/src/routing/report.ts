// Summaries of routing runs (the simulator's and the live stack's alike), and their outputs: JSON, a
// markdown table, and SVG charts of TTFT p90 and throughput against the request rate.
import type { DesEngineTotals } from './des-config';

export interface RunOutcome {
  ttftMs: number;
  itlMs: number;
  outputTokens: number;
  ok: boolean;
  /** When the request arrived and when its last token came (ms, same clock). */
  arrivalMs: number;
  endMs: number;
}

/** A live run's routing counters (deltas over the run), from the services' own metrics. */
export interface RoutingCounters {
  /** Scheduler Picks. */
  picks: number;
  /** Precise prefix lookups answered by the approximate index instead, by reason. */
  fallbacks: Record<string, number>;
  /** Requests the gateway routed itself because the scheduler failed or was late. */
  failOpen: number;
  /** Prompts cache-manager tokenized (cache misses), their time in seconds and their tokens. */
  tokenizations: number;
  tokenizeSeconds: number;
  tokenizedTokens: number;
  /** Prompts whose ids cache-manager already had (a request's Speculate after its Score, repeats). */
  tokenizationHits: number;
}

/** The routing figures of a live run: fallback and fail-open rates, tokenization per request. */
export interface RoutingFigures {
  picks: number;
  /** Precise fallbacks over Picks, every reason. */
  preciseFallbackRate: number;
  fallbacksByReason: Record<string, number>;
  /** Fail-opens over requests. */
  failOpenRate: number;
  /** cache-manager's tokenization time per request (ms) and tokenizations per request (1 = once each). */
  tokenizeMsPerRequest: number;
  tokenizationsPerRequest: number;
  tokenizedTokensPerRequest: number;
}

export function routingFigures(c: RoutingCounters, requests: number): RoutingFigures {
  const fallbacks = Object.values(c.fallbacks).reduce((a, b) => a + b, 0);
  const per = (x: number) => (requests > 0 ? x / requests : NaN);
  return {
    picks: c.picks,
    preciseFallbackRate: c.picks > 0 ? fallbacks / c.picks : NaN,
    fallbacksByReason: Object.fromEntries(Object.entries(c.fallbacks).filter(([, n]) => n > 0)),
    failOpenRate: per(c.failOpen),
    tokenizeMsPerRequest: per(c.tokenizeSeconds * 1000),
    tokenizationsPerRequest: per(c.tokenizations),
    tokenizedTokensPerRequest: per(c.tokenizedTokens),
  };
}

export interface RunSummary {
  mode: 'des' | 'live';
  /** The workload's (and the random profile's) seed, when the study ran more than one. */
  seed?: number;
  workload: string;
  profile: string;
  pods: number;
  rate: number;
  requests: number;
  errors: number;
  ttftP50Ms: number;
  ttftP90Ms: number;
  ttftP99Ms: number;
  itlP50Ms: number;
  itlP90Ms: number;
  /** Output tokens over the whole run, first arrival to last completion (the drain included). */
  outputTokensPerSec: number;
  /**
   * Output tokens generated while requests were arriving (first to last arrival) over that window: the
   * throughput under the offered load, without the tail where the last requests decode alone.
   */
  sustainedTokensPerSec: number;
  requestsPerSec: number;
  /** Prompt tokens served from the pods' prefix caches, of those looked up (the pods' own counters). */
  prefixHitRate: number;
  /** Busiest pod's requests over the mean (1 = perfectly even). */
  podImbalance: number;
  /** Wall-clock seconds the run took (simulated seconds are what the figures are in). */
  wallSec: number;
  /** Live runs: how the precise path held (absent for the simulator). */
  routing?: RoutingFigures;
  /** Simulator runs: what the pods' engines did (where the throughput went). */
  engine?: DesEngineTotals;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summarize(base: Pick<RunSummary, 'mode' | 'workload' | 'profile' | 'pods' | 'rate' | 'wallSec'>, outcomes: readonly RunOutcome[], durationMs: number, prefix: { queries: number; hits: number }, requestsPerPod: Record<string, number>, routing?: RoutingCounters): RunSummary {
  const ok = outcomes.filter((o) => o.ok);
  const ttft = ok.map((o) => o.ttftMs);
  const itl = ok.filter((o) => o.outputTokens > 1).map((o) => o.itlMs);
  const perPod = Object.values(requestsPerPod);
  const mean = perPod.reduce((a, b) => a + b, 0) / Math.max(1, perPod.length);
  return {
    ...base,
    requests: outcomes.length,
    errors: outcomes.length - ok.length,
    ttftP50Ms: percentile(ttft, 50),
    ttftP90Ms: percentile(ttft, 90),
    ttftP99Ms: percentile(ttft, 99),
    itlP50Ms: percentile(itl, 50),
    itlP90Ms: percentile(itl, 90),
    outputTokensPerSec: (ok.reduce((n, o) => n + o.outputTokens, 0) / durationMs) * 1000,
    sustainedTokensPerSec: sustainedTokensPerSec(ok),
    requestsPerSec: (ok.length / durationMs) * 1000,
    prefixHitRate: prefix.queries > 0 ? prefix.hits / prefix.queries : 0,
    podImbalance: mean > 0 ? Math.max(...perPod) / mean : 0,
    ...(routing ? { routing: routingFigures(routing, outcomes.length) } : {}),
  };
}

/**
 * Tokens generated between the first and the last arrival, per second of that window. A request's
 * tokens are taken as spread evenly from its first token to its end (one per engine step, as they come).
 */
export function sustainedTokensPerSec(outcomes: readonly RunOutcome[]): number {
  if (outcomes.length < 2) return NaN;
  let w0 = Infinity;
  let w1 = -Infinity;
  for (const o of outcomes) {
    w0 = Math.min(w0, o.arrivalMs);
    w1 = Math.max(w1, o.arrivalMs);
  }
  if (!(w1 > w0)) return NaN;
  let tokens = 0;
  for (const o of outcomes) {
    const first = o.arrivalMs + o.ttftMs;
    const span = o.endMs - first;
    if (span <= 0) {
      if (first >= w0 && first <= w1) tokens += o.outputTokens;
      continue;
    }
    const overlap = Math.max(0, Math.min(o.endMs, w1) - Math.max(first, w0));
    tokens += (o.outputTokens * overlap) / span;
  }
  return (tokens / (w1 - w0)) * 1000;
}

const f = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

export function markdownTable(runs: readonly RunSummary[]): string {
  const head = '| profile | rate (req/s) | TTFT p50 s | TTFT p90 s | TTFT p99 s | ITL p50 ms | ITL p90 ms | output tok/s | sustained tok/s | req/s | prefix hit rate | pod imbalance | errors |';
  const sep = '|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = runs.map((r) => `| ${r.profile} | ${r.rate} | ${f(r.ttftP50Ms / 1000, 2)} | ${f(r.ttftP90Ms / 1000, 2)} | ${f(r.ttftP99Ms / 1000, 2)} | ${f(r.itlP50Ms, 1)} | ${f(r.itlP90Ms, 1)} | ${f(r.outputTokensPerSec)} | ${f(r.sustainedTokensPerSec)} | ${f(r.requestsPerSec, 2)} | ${f(r.prefixHitRate * 100, 1)}% | ${f(r.podImbalance, 2)} | ${r.errors} |`);
  if (!runs.some((r) => r.routing)) return [head, sep, ...rows].join('\n');
  // Live runs: how the precise path held, and what tokenization cost cache-manager per request.
  const rHead = ' precise fallbacks | fail-open | tokenize ms/req | tokenizations/req |';
  const rows2 = runs.map((r, i) => {
    const g = r.routing;
    const reasons = g ? Object.entries(g.fallbacksByReason).map(([k, n]) => `${k} ${n}`).join(', ') : '';
    return g ? `${rows[i]} ${f(g.preciseFallbackRate * 100, 2)}%${reasons ? ` (${reasons})` : ''} | ${f(g.failOpenRate * 100, 2)}% | ${f(g.tokenizeMsPerRequest, 2)} | ${f(g.tokenizationsPerRequest, 2)} |` : `${rows[i]} - | - | - | - |`;
  });
  return [head + rHead, sep + '---|---|---|---|', ...rows2].join('\n');
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];

/** A line chart, one line per profile, of `metric` against the request rate (log y when asked). */
export function svgChart(runs: readonly RunSummary[], metric: (r: RunSummary) => number, title: string, yLabel: string, logY = false): string {
  const W = 720;
  const H = 420;
  const m = { l: 70, r: 170, t: 40, b: 50 };
  const profiles = [...new Set(runs.map((r) => r.profile))];
  const rates = [...new Set(runs.map((r) => r.rate))].sort((a, b) => a - b);
  const values = runs.map(metric).filter((v) => Number.isFinite(v) && (!logY || v > 0));
  const lo = logY ? Math.log10(Math.min(...values)) : 0;
  const hi = logY ? Math.log10(Math.max(...values)) : Math.max(...values);
  const span = hi - lo || 1;
  const x = (rate: number) => m.l + ((rate - rates[0]) / (rates[rates.length - 1] - rates[0] || 1)) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (((logY ? Math.log10(v) : v) - lo) / span) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">request rate (req/s)</text>`,
    `<text x="16" y="${(m.t + H - m.b) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.t + H - m.b) / 2})">${escapeXml(yLabel)}</text>`,
  ];
  for (const rate of rates) parts.push(`<text x="${x(rate)}" y="${H - m.b + 16}" text-anchor="middle">${rate}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = lo + (span * i) / 4;
    const label = logY ? 10 ** v : v;
    const yy = H - m.b - (i / 4) * (H - m.t - m.b);
    parts.push(`<line x1="${m.l - 4}" y1="${yy}" x2="${W - m.r}" y2="${yy}" stroke="#ddd"/><text x="${m.l - 8}" y="${yy + 4}" text-anchor="end">${label >= 100 ? label.toFixed(0) : label.toPrecision(2)}</text>`);
  }
  profiles.forEach((p, i) => {
    const pts = runs
      .filter((r) => r.profile === p && Number.isFinite(metric(r)) && (!logY || metric(r) > 0))
      .sort((a, b) => a.rate - b.rate)
      .map((r) => `${x(r.rate).toFixed(1)},${y(metric(r)).toFixed(1)}`);
    const color = COLORS[i % COLORS.length];
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const pt of pts) parts.push(`<circle cx="${pt.split(',')[0]}" cy="${pt.split(',')[1]}" r="3" fill="${color}"/>`);
    parts.push(`<rect x="${W - m.r + 15}" y="${m.t + i * 20}" width="12" height="12" fill="${color}"/><text x="${W - m.r + 32}" y="${m.t + i * 20 + 10}">${escapeXml(p)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A prefix profile's TTFT p90 over round-robin's, at one rate, pod count and seed. */
export interface TailRatio {
  profile: string;
  pods: number;
  rate: number;
  seed?: number;
  ratio: number;
}

/**
 * Affinity must never cost the tail: each prefix profile's TTFT p90 over round-robin's in the same
 * cell (pods, rate, seed). Cells without a round-robin run give no ratio.
 */
export function tailRatios(runs: readonly RunSummary[], profiles: readonly string[] = ['approx-prefix', 'precise-prefix']): TailRatio[] {
  const out: TailRatio[] = [];
  for (const r of runs) {
    if (!profiles.includes(r.profile)) continue;
    const rr = runs.find((x) => x.profile === 'round-robin' && x.pods === r.pods && x.rate === r.rate && x.seed === r.seed);
    if (rr && rr.ttftP90Ms > 0) out.push({ profile: r.profile, pods: r.pods, rate: r.rate, seed: r.seed, ratio: r.ttftP90Ms / rr.ttftP90Ms });
  }
  return out;
}
