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
    return {
      samples: n,
      requestRate: n / (spanMs / 1000),
      observedSeconds: Math.max(0, Math.min(this.windowMs, nowMs - sinceMs)) / 1000,
      meanPromptTokens: mean((s) => s.promptTokens),
      meanCachedTokens: mean((s) => Math.min(s.cachedTokens, s.promptTokens)),
      meanOutputTokens: mean((s) => s.outputTokens),
      ttftP: percentile(inWindow.map((s) => s.ttftMs), pct),
      itlP: percentile(inWindow.map((s) => s.itlMs), pct),
    };
  }
}
