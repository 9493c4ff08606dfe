// The recent finished requests of a pool: request rate, token mix and latency percentiles over a
// sliding window ending at the decision time.
import type { RequestSample } from '../types';
import { percentile } from './percentile';

/** What the window shows. */
export interface TrafficSummary {
  /** Finished requests in the window. */
  samples: number;
  /** Requests per second over the window. */
  requestRate: number;
  meanPromptTokens: number;
  meanCachedTokens: number;
  meanOutputTokens: number;
  /** Observed TTFT and ITL at the percentile (NaN without samples). */
  ttftP: number;
  itlP: number;
}

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

  /** Summary of samples ending in (nowMs - windowMs, nowMs]; older ones are dropped. */
  summary(nowMs: number, pct: number): TrafficSummary {
    const from = nowMs - this.windowMs;
    this.samples = this.samples.filter((s) => s.endMs > from);
    const inWindow = this.samples.filter((s) => s.endMs <= nowMs);
    const n = inWindow.length;
    const mean = (f: (s: RequestSample) => number): number => (n === 0 ? 0 : inWindow.reduce((a, s) => a + f(s), 0) / n);
    return {
      samples: n,
      requestRate: n / (this.windowMs / 1000),
      meanPromptTokens: mean((s) => s.promptTokens),
      meanCachedTokens: mean((s) => Math.min(s.cachedTokens, s.promptTokens)),
      meanOutputTokens: mean((s) => s.outputTokens),
      ttftP: percentile(inWindow.map((s) => s.ttftMs), pct),
      itlP: percentile(inWindow.map((s) => s.itlMs), pct),
    };
  }
}
