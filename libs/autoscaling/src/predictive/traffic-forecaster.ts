// The request rate and token mix ahead: three series forecasters (requests, prompt tokens, output
// tokens per bin) over bins of binSeconds with a season of seasonSeconds.
import type { TrafficBin } from '../types';
import { DEFAULT_FORECASTER_PARAMS, SeriesForecaster, type ForecasterParams } from './series-forecaster';

/** The forecast of one future bin. */
export interface TrafficForecast {
  /** Requests per second. */
  requestRate: number;
  /** Mean prompt and output tokens per request (NaN when no requests are forecast). */
  promptTokens: number;
  outputTokens: number;
  /** Whether a full season backs it (otherwise trend only). */
  seasonal: boolean;
  /**
   * The forecaster's recent error: the smoothed |observed - forecast| / forecast of the request
   * counts of the bins it forecast one bin ahead (0 before it has forecast any).
   */
  relativeError: number;
}

/** Weight of one bin's error in the smoothed relative error. */
export const FORECAST_ERROR_ALPHA = 0.1;

/** The largest gap, in bins, filled with empty bins before the next observation (longer gaps keep one season of zeros). */
function gapBins(period: number): number {
  return period;
}

/** Learns the traffic of one pool bin by bin. */
export class TrafficForecaster {
  readonly binMs: number;
  readonly period: number;
  private readonly requests: SeriesForecaster;
  private readonly prompt: SeriesForecaster;
  private readonly output: SeriesForecaster;
  private error = 0;
  private errorSeen = false;

  constructor(binSeconds: number, seasonSeconds: number, params: ForecasterParams = DEFAULT_FORECASTER_PARAMS) {
    if (!(binSeconds > 0)) throw new RangeError(`binSeconds must be > 0, got ${binSeconds}`);
    if (!(seasonSeconds >= 2 * binSeconds)) throw new RangeError(`seasonSeconds must be at least two bins (${2 * binSeconds}), got ${seasonSeconds}`);
    this.binMs = binSeconds * 1000;
    this.period = Math.round(seasonSeconds / binSeconds);
    this.requests = new SeriesForecaster(this.period, params);
    this.prompt = new SeriesForecaster(this.period, params);
    this.output = new SeriesForecaster(this.period, params);
  }

  /** The absolute index of the bin holding `ms`. */
  binIndex(ms: number): number {
    return Math.floor(ms / this.binMs);
  }

  /** The newest observed bin's index. */
  get lastBin(): number | undefined {
    return this.requests.last;
  }

  /** Bins observed so far. */
  get history(): number {
    return this.requests.history;
  }

  /** Observes one closed bin; bins skipped since the last one count as empty (at most one season of them). */
  observe(bin: TrafficBin): void {
    const index = this.binIndex(bin.startMs);
    const last = this.requests.last;
    if (last !== undefined && index <= last) return;
    if (last !== undefined) {
      for (let i = Math.max(last + 1, index - gapBins(this.period)); i < index; i++) this.put(i, 0, 0, 0);
      // how far off the forecast of this bin was, from the bins before it
      const expected = this.requests.forecast(index);
      if (expected >= 1) {
        const e = Math.min(1, Math.abs(bin.requests - expected) / expected);
        this.error = this.errorSeen ? (1 - FORECAST_ERROR_ALPHA) * this.error + FORECAST_ERROR_ALPHA * e : e;
        this.errorSeen = true;
      }
    }
    this.put(index, bin.requests, bin.promptTokens, bin.outputTokens);
  }

  private put(index: number, requests: number, prompt: number, output: number): void {
    this.requests.observe(index, requests);
    this.prompt.observe(index, prompt);
    this.output.observe(index, output);
  }

  /** The forecast of the bin holding `ms`; undefined before any history. */
  forecastAt(ms: number): TrafficForecast | undefined {
    if (this.requests.last === undefined) return undefined;
    const i = this.binIndex(ms);
    const n = this.requests.forecast(i);
    return {
      requestRate: n / (this.binMs / 1000),
      promptTokens: n > 0 ? this.prompt.forecast(i) / n : Number.NaN,
      outputTokens: n > 0 ? this.output.forecast(i) / n : Number.NaN,
      seasonal: this.requests.seasonal,
      relativeError: this.error,
    };
  }

  /** The forecast bin of highest request rate over [fromMs, toMs]; undefined before any history. */
  peak(fromMs: number, toMs: number): TrafficForecast | undefined {
    let best: TrafficForecast | undefined;
    for (let i = this.binIndex(fromMs); i <= this.binIndex(Math.max(fromMs, toMs)); i++) {
      const f = this.forecastAt(i * this.binMs);
      if (f !== undefined && (best === undefined || f.requestRate > best.requestRate)) best = f;
    }
    return best;
  }
}
