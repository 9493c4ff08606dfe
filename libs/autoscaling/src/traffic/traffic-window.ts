// The recent finished requests of a pool: request rate, token mix and latency percentiles over a
// sliding window ending at the decision time.
import type { RequestSample } from '../types';
import { percentile } from './percentile';

/** What the window shows. */
export interface TrafficSummary {
  /** Finished requests in the window. */
  samples: number;
  /** Requests per second over the window (over the part of it observed, while that is shorter). */
  requestRate: number;
  /** Seconds of the window observed: the window, or less while observation began inside it. */
  observedSeconds: number;
  meanPromptTokens: number;
  meanCachedTokens: number;
  meanOutputTokens: number;
  /** Share of the samples this pool prefilled itself (1 outside decode pools' remote prefills). */
  localPrefillShare: number;
  /** Mean prompt and cached tokens of the samples this pool prefilled itself (0 without any). */
  meanLocalPromptTokens: number;
  meanLocalCachedTokens: number;
  /** Observed TTFT and ITL at the percentile (NaN without samples). */
  ttftP: number;
  itlP: number;
}

/** Shortest span a rate is taken over (one request just after start-up is not a burst). */
export const MIN_OBSERVED_MS = 5000;

/** Finished requests within the last `windowMs`. */
export class TrafficWindow {
  private samples: RequestSample[] = [];

  constructor(readonly windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
  }

  /** Adds a finished request. */
  add(sample: RequestSample): void {
    this.samples.push(sample);
  }

  /** The newest sample's end, if any. */
  lastEndMs(): number | undefined {
    let last: number | undefined;
    for (const s of this.samples) if (last === undefined || s.endMs > last) last = s.endMs;
    return last;
  }

  /**
   * Summary of samples ending in (nowMs - windowMs, nowMs]; older ones are dropped. `sinceMs` is when
   * observation began: while it lies inside the window, the rate is over the observed span (at least
   * MIN_OBSERVED_MS), not the whole window, so a fresh autoscaler does not read a quarter of the traffic.
   */
  summary(nowMs: number, pct: number, sinceMs = Number.NEGATIVE_INFINITY): TrafficSummary {
    const from = nowMs - this.windowMs;
    const spanMs = Math.min(this.windowMs, Math.max(MIN_OBSERVED_MS, nowMs - sinceMs));
    this.samples = this.samples.filter((s) => s.endMs > from);
    const inWindow = this.samples.filter((s) => s.endMs <= nowMs);
    const n = inWindow.length;
    const mean = (f: (s: RequestSample) => number): number => (n === 0 ? 0 : inWindow.reduce((a, s) => a + f(s), 0) / n);
    const local = inWindow.filter((s) => !s.remotePrefill);
    const localMean = (f: (s: RequestSample) => number): number => (local.length === 0 ? 0 : local.reduce((a, s) => a + f(s), 0) / local.length);
    return {
      samples: n,
      requestRate: n / (spanMs / 1000),
      observedSeconds: Math.max(0, Math.min(this.windowMs, nowMs - sinceMs)) / 1000,
      meanPromptTokens: mean((s) => s.promptTokens),
      meanCachedTokens: mean((s) => Math.min(s.cachedTokens, s.promptTokens)),
      meanOutputTokens: mean((s) => s.outputTokens),
      localPrefillShare: n === 0 ? 1 : local.length / n,
      meanLocalPromptTokens: localMean((s) => s.promptTokens),
      meanLocalCachedTokens: localMean((s) => Math.min(s.cachedTokens, s.promptTokens)),
      ttftP: percentile(inWindow.map((s) => s.ttftMs), pct),
      itlP: percentile(inWindow.map((s) => s.itlMs), pct),
    };
  }

  /**
   * The short-term trend of the request rate: the least-squares slope of the rates of `parts` equal
   * slices of the observed part of the window (req/s per s), its standard error under Poisson
   * counts, and the fitted rate now. Undefined with fewer than three slices of at least
   * MIN_OBSERVED_MS observed.
   */
  trend(nowMs: number, sinceMs = Number.NEGATIVE_INFINITY, parts = 4): RateTrend | undefined {
    const spanMs = Math.min(this.windowMs, nowMs - sinceMs);
    const n = Math.min(parts, Math.floor(spanMs / MIN_OBSERVED_MS));
    if (n < 3) return undefined;
    const sliceMs = spanMs / n;
    const from = nowMs - spanMs;
    const counts = new Array<number>(n).fill(0);
    for (const s of this.samples) {
      if (s.endMs <= from || s.endMs > nowMs) continue;
      counts[Math.min(n - 1, Math.floor((s.endMs - from) / sliceMs))]++;
    }
    const sliceS = sliceMs / 1000;
    const rates = counts.map((c) => c / sliceS);
    const t = rates.map((_, i) => (i + 0.5) * sliceS);
    const tMean = t.reduce((a, b) => a + b, 0) / n;
    const rMean = rates.reduce((a, b) => a + b, 0) / n;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      sxx += (t[i] - tMean) ** 2;
      sxy += (t[i] - tMean) * (rates[i] - rMean);
    }
    // A slice's rate has variance count / slice²; the mean rate stands in for each slice's.
    const variance = rMean / sliceS;
    const slope = sxy / sxx;
    return { slopePerS: slope, standardError: Math.sqrt(variance / sxx), rateNow: rMean + slope * (spanMs / 1000 - tMean) };
  }
}

/** The short-term trend of a window (TrafficWindow.trend). */
export interface RateTrend {
  /** Change of the request rate per second (req/s per s). */
  slopePerS: number;
  /** Standard error of the slope under Poisson arrivals. */
  standardError: number;
  /** The fitted rate at the window's end, req/s. */
  rateNow: number;
}
