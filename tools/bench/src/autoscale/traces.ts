// The autoscaling study's traffic: request-rate curves (ramp, step, spike, a compressed weekday),
// non-homogeneous Poisson arrivals drawn from them with the routing study's mixed token mix, and the
// earlier days' per-minute traffic the predictive policy is seeded with (as the autoscaler reads it
// from llmd.request-metrics.v1).
import { MIXED_LENGTHS, mixedAt, rng, type WorkloadRequest } from '../routing/workloads';

export type TraceName = 'ramp' | 'step' | 'spike' | 'diurnal';
export const TRACE_NAMES: readonly TraceName[] = ['ramp', 'step', 'spike', 'diurnal'];

/** One earlier interval of a pool's traffic (the shape of @llmd/autoscaling's TrafficBin). */
export interface HistoryBin {
  startMs: number;
  requests: number;
  promptTokens: number;
  outputTokens: number;
}

export interface Trace {
  name: TraceName;
  /** Simulated ms the trace lasts. */
  durationMs: number;
  /** Offered requests per second at `tMs` (before Poisson noise). */
  rate: (tMs: number) => number;
  /** The highest rate of the curve (what static provisioning is sized for). */
  peakRate: number;
  requests: WorkloadRequest[];
  /** Earlier days (diurnal only), oldest first; `dayMs` long each, ending where the trace starts. */
  history: HistoryBin[];
  /** Length of one (compressed) day: the predictive policy's season. */
  dayMs: number;
  /** What one simulated minute stands for, in words (the diurnal day's compression). */
  note: string;
}

export interface TraceOptions {
  seed: number;
  /** Multiplies every token count of the mix (the routing study's --scale). */
  tokenScale: number;
  /** CI-sized: shorter traces at lower rates. */
  quick: boolean;
}

/**
 * A weekday of a chat service, by hour (fraction of the peak): a night trough at a quarter of the
 * peak, a morning ramp, a late-morning and an afternoon peak around a lunch dip, a long evening
 * decline. The last point closes the day at midnight.
 */
export const WEEKDAY: readonly number[] = [0.45, 0.36, 0.3, 0.26, 0.25, 0.28, 0.37, 0.52, 0.72, 0.88, 0.97, 1.0, 0.9, 0.9, 0.97, 1.0, 0.95, 0.86, 0.76, 0.7, 0.67, 0.63, 0.57, 0.5, 0.45];
/** Saturday and Sunday run at this share of a weekday. */
export const WEEKEND_FACTOR = 0.6;
/** The simulated day is a Wednesday; its history the seven days before (Wednesday to Tuesday). */
const HISTORY_DAYS = ['Wed', 'Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue'];

/** Piecewise-linear through equally spaced points over [0, span]. */
function curve(points: readonly number[], span: number): (t: number) => number {
  return (t) => {
    const x = (Math.min(Math.max(t, 0), span) / span) * (points.length - 1);
    const i = Math.min(points.length - 2, Math.floor(x));
    return points[i] + (points[i + 1] - points[i]) * (x - i);
  };
}

/** Per-bin multiplicative noise (the day-to-day wobble of real traffic, on top of Poisson noise). */
function wobble(seed: number, binMs: number, sigma: number): (t: number) => number {
  const cache = new Map<number, number>();
  return (t) => {
    const k = Math.floor(t / binMs);
    let f = cache.get(k);
    if (f === undefined) {
      const r = rng(seed * 7919 + k);
      const z = Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
      f = Math.exp(sigma * z - (sigma * sigma) / 2);
      cache.set(k, f);
    }
    return f;
  };
}

/** Arrival offsets (ms) of a Poisson process of rate `rate(t)` (req/s) on [0, durationMs): thinning. */
export function arrivals(rate: (tMs: number) => number, maxRate: number, durationMs: number, random: () => number): number[] {
  const out: number[] = [];
  for (let t = (-Math.log(1 - random()) / maxRate) * 1000; t < durationMs; t += (-Math.log(1 - random()) / maxRate) * 1000) {
    if (random() * maxRate < rate(t)) out.push(t);
  }
  return out;
}

/** Mean prompt and output tokens of the mixed mix at `scale` (what history bins carry per request). */
export function meanTokens(scale: number): { prompt: number; output: number } {
  const mean = (l: { median: number; sigma: number; min: number; max: number }) => {
    // The clamped log-normal's mean, by quadrature over the normal.
    let sum = 0;
    let w = 0;
    for (let z = -6; z <= 6; z += 0.01) {
      const p = Math.exp((-z * z) / 2);
      sum += p * Math.min(l.max, Math.max(l.min, l.median * Math.exp(l.sigma * z)));
      w += p;
    }
    return (sum / w) * scale;
  };
  return { prompt: mean(MIXED_LENGTHS.prompt), output: mean(MIXED_LENGTHS.output) };
}

/**
 * The part of the mixed mix whose prompt has at least `minPromptTokens` tokens (at `scale`): its share
 * of the requests and its mean prompt and output tokens. The P/D profile sends exactly these through
 * the prefill pool (the mix shares no prefixes: a prompt's uncached part is all of it).
 */
export function mixAbove(scale: number, minPromptTokens: number): { share: number; prompt: number; output: number } {
  const { median, sigma, min, max } = MIXED_LENGTHS.prompt;
  let w = 0;
  let inShare = 0;
  let promptSum = 0;
  for (let z = -6; z <= 6; z += 0.01) {
    const p = Math.exp((-z * z) / 2);
    const prompt = Math.min(max, Math.max(min, median * Math.exp(sigma * z))) * scale;
    w += p;
    if (prompt < minPromptTokens) continue;
    inShare += p;
    promptSum += p * prompt;
  }
  const share = inShare / w;
  return { share, prompt: share > 0 ? promptSum / inShare : 0, output: meanTokens(scale).output };
}

const MIN = 60_000;

export function buildTrace(name: TraceName, o: TraceOptions): Trace {
  const q = o.quick;
  // Rates in requests per second. One pod (an 8B model on an H100) serves some 30 of this mix within
  // the study's targets at the default token scale.
  const shape = (() => {
    switch (name) {
      case 'ramp': {
        // Steady, then a linear climb to 5x, then held.
        const [lo, hi, before, climb, after] = q ? [10, 50, 1, 2, 1] : [20, 100, 1, 6, 3];
        const d = (before + climb + after) * MIN;
        return { d, rate: (t: number) => (t < before * MIN ? lo : t < (before + climb) * MIN ? lo + ((hi - lo) * (t - before * MIN)) / (climb * MIN) : hi), peak: hi };
      }
      case 'step': {
        const [lo, hi, a, b, c] = q ? [10, 40, 1, 2, 1] : [25, 90, 3, 4, 3];
        return { d: (a + b + c) * MIN, rate: (t: number) => (t >= a * MIN && t < (a + b) * MIN ? hi : lo), peak: hi };
      }
      case 'spike': {
        // A one-minute burst at 3x (a batch job, a viral link), then back.
        const [base, top, at, total] = q ? [15, 45, 1, 3] : [30, 90, 4, 8];
        return { d: total * MIN, rate: (t: number) => (t >= at * MIN && t < (at + 1) * MIN ? top : base), peak: top };
      }
      case 'diurnal': {
        const day = (q ? 8 : 36) * MIN;
        const peak = q ? 40 : 100;
        return { d: day, rate: (t: number) => peak * curve(WEEKDAY, day)(t), peak };
      }
    }
  })();
  const dayMs = name === 'diurnal' ? shape.d : 86_400_000;
  // The simulated day wobbles too (per-minute noise on the weekday curve), with its own seed.
  const today = name === 'diurnal' ? wobble(o.seed + 1000, MIN, 0.05) : () => 1;
  const rate = (t: number) => shape.rate(t) * today(t);
  const random = rng(o.seed);
  const times = arrivals(rate, shape.peak * 1.5, shape.d, random);
  const requests = mixedAt(times, { seed: o.seed + 1, scale: o.tokenScale });
  const history = name === 'diurnal' ? weekHistory(shape.rate, dayMs, o) : [];
  const note = name === 'diurnal' ? `a 24-hour weekday in ${shape.d / MIN} simulated minutes, one for ${(1440 / (shape.d / MIN)).toFixed(0)} minutes of the day` : 'in real time';
  return { name, durationMs: shape.d, rate, peakRate: shape.peak, requests, history, dayMs, note };
}

/**
 * The seven days before the trace, per minute: the same weekday curve (weekends at WEEKEND_FACTOR),
 * each day with its own level (±5%) and per-minute noise, Poisson counts; tokens at the mix's means.
 * Times run from 0 (a week before) to 7 days: the trace's own clock starts at 7 days.
 */
export function weekHistory(rate: (tMs: number) => number, dayMs: number, o: TraceOptions): HistoryBin[] {
  const tokens = meanTokens(o.tokenScale);
  const bins: HistoryBin[] = [];
  HISTORY_DAYS.forEach((day, d) => {
    const r = rng(o.seed * 31 + d);
    const level = (day === 'Sat' || day === 'Sun' ? WEEKEND_FACTOR : 1) * (1 + 0.05 * (2 * r() - 1));
    const noise = wobble(o.seed * 31 + d, MIN, 0.05);
    for (let t = 0; t < dayMs; t += MIN) {
      const mean = ((rate(t) + rate(t + MIN / 2) + rate(Math.min(dayMs, t + MIN))) / 3) * level * noise(t) * 60;
      const z = Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
      const requests = Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
      bins.push({ startMs: d * dayMs + t, requests, promptTokens: Math.round(requests * tokens.prompt), outputTokens: Math.round(requests * tokens.output) });
    }
  });
  return bins;
}

/** Days of history before a trace (its clock's offset in the autoscaler's time). */
export const HISTORY_DAY_COUNT = HISTORY_DAYS.length;
