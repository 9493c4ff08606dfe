// The predictive policy's pieces: how far ahead to look (one pod start-up), and how a forecast
// feeds the base policies (slo sizes for the forecast rate; saturation sees the observed load
// scaled by forecast / observed rate).
import type { RateTrend } from '../traffic/traffic-window';
import type { ReplicaLoad } from '../types';

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Lead time in seconds: the configured lead, else the median observed start-up, else the spec's start-up. */
export function leadSeconds(configured: number | undefined, observedStartups: readonly number[], startupSeconds: number): number {
  if (configured !== undefined) return configured;
  const m = median(observedStartups);
  return Number.isFinite(m) ? m : startupSeconds;
}

/**
 * The demand rate a forecast asks to provision for: the forecast peak over the lead raised by the
 * forecaster's recent relative error (its upper band: a forecast as often under as over the traffic
 * would leave the pool short half the time), never below what is observed now.
 */
export function forecastDemand(observedRate: number, forecastPeakRate: number | undefined, relativeError = 0): number {
  const f = forecastPeakRate !== undefined && Number.isFinite(forecastPeakRate) ? forecastPeakRate : 0;
  const margin = Number.isFinite(relativeError) && relativeError > 0 ? Math.min(relativeError, MAX_FORECAST_MARGIN) : 0;
  return Math.max(observedRate, f * (1 + margin));
}

/** How many standard errors a short-term slope must clear to count as a trend. */
export const TREND_SIGNIFICANCE = 2;

/**
 * The rate one lead ahead on the short-term trend: the fitted rate now plus a rising slope times the
 * lead, at most MAX_FORECAST_MARGIN above the rate now; undefined unless the slope is rising by more
 * than TREND_SIGNIFICANCE standard errors (Poisson noise is no trend, and a falling rate is left to
 * the observed rate and the scale-down window).
 */
export function trendAhead(trend: RateTrend | undefined, leadSeconds: number): number | undefined {
  if (trend === undefined || !(trend.slopePerS > TREND_SIGNIFICANCE * trend.standardError) || !(trend.rateNow > 0)) return undefined;
  return Math.min(trend.rateNow + trend.slopePerS * leadSeconds, trend.rateNow * (1 + MAX_FORECAST_MARGIN));
}

/** The most a forecast is raised by its error (a forecaster that is off by more has learnt nothing yet). */
export const MAX_FORECAST_MARGIN = 0.5;

/**
 * Each replica's load as it would be at `factor` times the traffic (KV use, waiting and running
 * scale with the request rate at a fixed replica count; KV is not capped, so a replica past 1 reads saturated).
 */
export function scaleLoad(load: readonly ReplicaLoad[], factor: number): ReplicaLoad[] {
  return load.map((r) => ({ id: r.id, kvCacheUsage: r.kvCacheUsage * factor, waiting: r.waiting * factor, running: r.running * factor }));
}
