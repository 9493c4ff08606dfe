// One pool's autoscaler: keeps the pool's recent requests, traffic history, start-up times and
// scaling history, and on each sync turns an observation into a decision: the policy's
// recommendation, then scale-to-zero, min/max, stabilization and rate limits (the HPA's behavior).
import type { AutoscalingSpec } from '@llmd/crd-types';
import type { CostModel } from '@llmd/gpu-cost';
import { behaviorHorizonMs, resolveBehavior, type ResolvedBehavior } from './behavior/behavior-rules';
import { normalize } from './behavior/normalize';
import { ScalingHistory } from './behavior/scaling-history';
import { forecastDemand, leadSeconds, scaleLoad, trendAhead } from './predictive/predictive.policy';
import { TrafficForecaster, type TrafficForecast } from './predictive/traffic-forecaster';
import { saturationRecommendation, saturationThresholds } from './saturation/saturation.policy';
import type { TokenMix } from './slo/capacity-model';
import { newSloCorrections, sloRecommendation, updateCorrections, type SloCorrections } from './slo/slo.policy';
import { TrafficWindow, type TrafficSummary } from './traffic/traffic-window';
import type { PoolObservation, PoolRole, Recommendation, RequestSample, ScalingDecision, TrafficBin } from './types';
import { validateObservation } from './validate-observation';

/** How to build a PoolAutoscaler. */
export interface PoolAutoscalerOptions {
  /** The pool's autoscaling spec, parsed (defaults applied). */
  spec: AutoscalingSpec;
  /** Prefill pools are sized on TTFT, decode on ITL, unified on both. */
  role: PoolRole;
  /** The GPU cost tables; required for slo and predictive over slo. */
  costModel?: CostModel;
  /** Traffic history resolution. @default 60 */
  binSeconds?: number;
  /** The window of finished requests the rate, token mix and latency percentiles come from. @default 60 */
  windowSeconds?: number;
  /** With scaleToZero, how long without any request before the pool may go to zero. @default 300 */
  idleSeconds?: number;
  /**
   * When this autoscaler began seeing the pool's finished requests (ms). Until a whole window has
   * passed since, rates are over the span observed and the slo policy does not scale down.
   * @default the first record() or decide(), whichever comes first
   */
  startMs?: number;
}

/** Observed start-ups kept for the median lead time. */
const STARTUPS_KEPT = 21;
/** Forecast requests per bin from which a pool counts as about to get traffic. */
const FORECAST_TRAFFIC_PER_BIN = 0.5;

interface OpenBin {
  requests: number;
  promptTokens: number;
  outputTokens: number;
}

/** What the predictive policy sees ahead: the forecast peak over the lead and the short-term trend's rate one lead ahead. */
interface Outlook {
  forecast: TrafficForecast | undefined;
  leadSeconds: number;
  trendRate: number | undefined;
}

/** Decides the replicas of one pool, sync after sync. Deterministic: time comes only from its inputs. */
export class PoolAutoscaler {
  private spec!: AutoscalingSpec;
  private behavior!: ResolvedBehavior;
  private forecaster!: TrafficForecaster;
  private readonly role: PoolRole;
  private readonly cost: CostModel | undefined;
  private readonly binSeconds: number;
  private readonly idleMs: number;
  private readonly window: TrafficWindow;
  private readonly openBins = new Map<number, OpenBin>();
  private lastClosedBin: number | undefined;
  private readonly startups: number[] = [];
  private readonly history = new ScalingHistory();
  private readonly corrections: SloCorrections = newSloCorrections();
  private lastActivityMs: number | undefined;
  private lastMix: TokenMix | undefined;
  private sinceMs: number | undefined;
  /** The requests waiting at the previous decision (their growth is demand not finished yet). */
  private lastWaiting: { atMs: number; waiting: number } | undefined;
  /** The ready replicas at the last decision, and since when they have been that many. */
  private lastReady: { replicas: number; sinceMs: number } | undefined;

  constructor(options: PoolAutoscalerOptions) {
    this.role = options.role;
    this.cost = options.costModel;
    this.binSeconds = options.binSeconds ?? 60;
    const windowSeconds = options.windowSeconds ?? 60;
    const idleSeconds = options.idleSeconds ?? 300;
    if (!(this.binSeconds > 0)) throw new RangeError(`binSeconds must be > 0, got ${this.binSeconds}`);
    if (!(windowSeconds > 0)) throw new RangeError(`windowSeconds must be > 0, got ${windowSeconds}`);
    if (!(idleSeconds >= 0)) throw new RangeError(`idleSeconds must be >= 0, got ${idleSeconds}`);
    this.window = new TrafficWindow(windowSeconds * 1000);
    this.idleMs = idleSeconds * 1000;
    if (options.startMs !== undefined && !Number.isFinite(options.startMs)) throw new RangeError(`startMs must be a finite number, got ${options.startMs}`);
    this.sinceMs = options.startMs;
    this.updateSpec(options.spec);
  }

  /** The pool's spec changed: bounds, thresholds and behavior apply from the next decision; history is kept. */
  updateSpec(spec: AutoscalingSpec): void {
    const needsSlo = spec.policy === 'slo' || (spec.policy === 'predictive' && (spec.predictive?.basePolicy ?? 'slo') === 'slo');
    if (needsSlo && spec.slo === undefined) throw new Error(`spec.slo is required by policy '${spec.policy}'`);
    if (needsSlo && this.cost === undefined) throw new Error(`costModel is required by policy '${spec.policy}' (the slo capacity model)`);
    if (spec.minReplicas > spec.maxReplicas) throw new RangeError(`spec.minReplicas (${spec.minReplicas}) must not exceed spec.maxReplicas (${spec.maxReplicas})`);
    const season = spec.predictive?.seasonSeconds ?? 86400;
    if (this.forecaster === undefined || this.forecaster.period !== Math.round(season / this.binSeconds)) {
      this.forecaster = new TrafficForecaster(this.binSeconds, season);
    }
    this.spec = spec;
    this.behavior = resolveBehavior(spec.behavior);
  }

  /** A finished request served by this pool. */
  record(sample: RequestSample): void {
    for (const k of ['endMs', 'ttftMs', 'itlMs', 'promptTokens', 'cachedTokens', 'outputTokens'] as const) {
      if (!Number.isFinite(sample[k]) || (k !== 'endMs' && sample[k] < 0)) throw new RangeError(`sample.${k} must be a finite number >= 0, got ${sample[k]}`);
    }
    this.sinceMs ??= sample.endMs;
    this.window.add(sample);
    const i = this.forecaster.binIndex(sample.endMs);
    if (this.lastClosedBin !== undefined && i <= this.lastClosedBin) return;
    const bin = this.openBins.get(i) ?? { requests: 0, promptTokens: 0, outputTokens: 0 };
    bin.requests++;
    bin.promptTokens += sample.promptTokens;
    bin.outputTokens += sample.outputTokens;
    this.openBins.set(i, bin);
  }

  /** Traffic history (e.g. earlier days from the request-metrics topic), oldest first or not: it is sorted. */
  seed(bins: readonly TrafficBin[]): void {
    for (const b of [...bins].sort((x, y) => x.startMs - y.startMs)) {
      if (!(b.requests >= 0) || !(b.promptTokens >= 0) || !(b.outputTokens >= 0)) throw new RangeError(`seed bin at ${b.startMs}: requests and tokens must be >= 0`);
      this.forecaster.observe(b);
    }
    this.lastClosedBin = this.forecaster.lastBin;
  }

  /** A pod of this pool became ready this many seconds after its creation. */
  observeStartup(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new RangeError(`startup seconds must be a finite number >= 0, got ${seconds}`);
    this.startups.push(seconds);
    if (this.startups.length > STARTUPS_KEPT) this.startups.shift();
  }

  /** The actuator changed the replicas (the rate limits count it). */
  scaled(atMs: number, from: number, to: number): void {
    this.history.scaled(atMs, from, to);
  }

  /** One sync: the policy's recommendation and the replicas to write. */
  decide(obs: PoolObservation): ScalingDecision {
    validateObservation(obs);
    const now = obs.nowMs;
    this.sinceMs ??= now;
    if (this.lastReady === undefined || this.lastReady.replicas !== obs.readyReplicas) this.lastReady = { replicas: obs.readyReplicas, sinceMs: now };
    this.closeBins(now);
    const summary = this.window.summary(now, this.spec.slo?.percentile ?? 90, this.sinceMs);
    const busy = (obs.queuedRequests ?? 0) > 0 || obs.load.some((r) => r.waiting > 0 || r.running > 0);
    if (summary.samples > 0) this.lastActivityMs = Math.max(this.lastActivityMs ?? now, this.window.lastEndMs() ?? now);
    if (busy || this.lastActivityMs === undefined) this.lastActivityMs = now;
    const forecast = this.spec.policy === 'predictive' ? this.forecastPeak(now) : undefined;
    const rec = this.recommend(obs, summary, forecast);
    this.lastWaiting = { atMs: now, waiting: waitingOf(obs) };

    const current = obs.specReplicas;
    const zeroAllowed = this.spec.scaleToZero && (rec.replicas === 0 || current === 0);
    const n = normalize(this.history, {
      nowMs: now,
      current,
      recommended: rec.replicas,
      minReplicas: zeroAllowed ? 0 : this.spec.minReplicas,
      maxReplicas: this.spec.maxReplicas,
      behavior: this.behavior,
    });
    this.history.prune(now, behaviorHorizonMs(this.behavior));
    const inputs: Record<string, number> = { ...rec.inputs, readyReplicas: obs.readyReplicas, startingReplicas: obs.startingReplicas };
    if (forecast !== undefined) {
      if (forecast.trendRate !== undefined) inputs.trendRate = forecast.trendRate;
      inputs.forecastRate = forecast.forecast?.requestRate ?? 0;
      inputs.leadSeconds = forecast.leadSeconds;
    }
    return {
      atMs: now,
      policy: this.spec.policy,
      current,
      recommended: rec.replicas,
      desired: n.desired,
      reason: rec.reason,
      message: n.limitedBy === undefined ? rec.message : `${rec.message}; ${n.desired} after ${n.limitedBy}`,
      ...(n.limitedBy !== undefined ? { limitedBy: n.limitedBy } : {}),
      inputs,
    };
  }

  /** Feeds every bin that ended by `now` to the forecaster (bins without requests as empty). */
  private closeBins(now: number): void {
    const upTo = this.forecaster.binIndex(now) - 1;
    if (this.lastClosedBin === undefined) {
      const open = [...this.openBins.keys()];
      this.lastClosedBin = (open.length > 0 ? Math.min(...open) : upTo + 1) - 1;
    }
    for (let i = Math.max(this.lastClosedBin + 1, upTo - this.forecaster.period); i <= upTo; i++) {
      const b = this.openBins.get(i);
      this.forecaster.observe({ startMs: i * this.forecaster.binMs, requests: b?.requests ?? 0, promptTokens: b?.promptTokens ?? 0, outputTokens: b?.outputTokens ?? 0 });
    }
    for (const k of [...this.openBins.keys()]) if (k <= upTo) this.openBins.delete(k);
    this.lastClosedBin = Math.max(this.lastClosedBin, upTo);
  }

  private forecastPeak(now: number): Outlook {
    const lead = leadSeconds(this.spec.predictive?.leadSeconds, this.startups, this.spec.startupSeconds);
    return { forecast: this.forecaster.peak(now, now + lead * 1000), leadSeconds: lead, trendRate: trendAhead(this.window.trend(now, this.sinceMs), lead) };
  }

  /**
   * What predictive provisions for: the forecast's upper band, never below what is observed; and the
   * short-term trend one lead ahead when no season backs the forecast or the traffic has left the
   * forecast's band (a day's own minute-to-minute noise is in the band, and the seasonal profile
   * already carries the day's slopes).
   */
  private planned(observedRate: number, o: Outlook): { rate: number; forecastError: number } {
    const forecastError = o.forecast?.relativeError ?? 0;
    const band = forecastDemand(observedRate, o.forecast?.requestRate, forecastError);
    const offPattern = o.forecast === undefined || !o.forecast.seasonal || observedRate > o.forecast.requestRate * (1 + forecastError);
    return { rate: Math.max(band, offPattern ? (o.trendRate ?? 0) : 0), forecastError };
  }

  private recommend(obs: PoolObservation, summary: TrafficSummary, forecast: Outlook | undefined): Recommendation {
    const current = obs.specReplicas;
    const floor = Math.max(1, this.spec.minReplicas);
    const waiting = waitingOf(obs);
    const busy = waiting > 0 || obs.load.some((r) => r.running > 0);
    const forecastTraffic = (forecast?.forecast?.requestRate ?? 0) * this.binSeconds >= FORECAST_TRAFFIC_PER_BIN;
    const base = { requestRate: summary.requestRate, waiting };
    if (current === 0) {
      if (summary.samples > 0 || busy || forecastTraffic) {
        const why = forecastTraffic && summary.samples === 0 && !busy ? 'traffic is forecast' : `${summary.samples} recent requests, ${waiting} waiting`;
        return { replicas: floor, reason: 'wake-from-zero', message: `pool at zero with ${why}: waking to ${floor}`, inputs: base };
      }
      return { replicas: 0, reason: 'no-traffic', message: 'pool at zero with no traffic: staying at zero', inputs: base };
    }
    const idleFor = obs.nowMs - (this.lastActivityMs ?? obs.nowMs);
    // Idle is what the replicas' snapshots show, not the absence of inputs: silent telemetry is no evidence.
    const seenIdle = obs.load.length > 0 || obs.readyReplicas === 0;
    if (this.spec.scaleToZero && seenIdle && !busy && summary.samples === 0 && !forecastTraffic && idleFor >= this.idleMs) {
      return { replicas: 0, reason: 'idle-to-zero', message: `no request for ${Math.round(idleFor / 1000)} s (idle period ${this.idleMs / 1000} s): to zero`, inputs: { ...base, idleSeconds: idleFor / 1000 } };
    }
    const basePolicy = this.spec.policy === 'predictive' ? (this.spec.predictive?.basePolicy ?? 'slo') : this.spec.policy;
    if (basePolicy === 'saturation') return this.saturation(obs, summary, forecast);
    return this.slo(obs, summary, waiting, floor, forecast);
  }

  private saturation(obs: PoolObservation, summary: TrafficSummary, outlook: Outlook | undefined): Recommendation {
    const t = saturationThresholds(this.spec.saturation);
    const plain = saturationRecommendation(obs, t);
    if (this.spec.policy !== 'predictive') return plain;
    const demand = outlook === undefined ? summary.requestRate : this.planned(summary.requestRate, outlook).rate;
    const factor = summary.requestRate > 0 ? demand / summary.requestRate : 1;
    if (factor <= 1) return { ...plain, inputs: { ...plain.inputs, forecastFactor: 1 } };
    const ahead = saturationRecommendation({ ...obs, load: scaleLoad(obs.load, factor) }, t);
    const inputs = { ...ahead.inputs, forecastFactor: factor };
    if (ahead.replicas > plain.replicas && ahead.reason !== 'pods-starting') {
      return { ...ahead, reason: 'forecast', message: `load scaled by the forecast (×${factor.toFixed(2)}): ${ahead.message}`, inputs };
    }
    return { ...ahead, inputs };
  }

  private slo(obs: PoolObservation, summary: TrafficSummary, waiting: number, floor: number, outlook: Outlook | undefined): Recommendation {
    const forecast = outlook?.forecast;
    const slo = this.spec.slo;
    const cost = this.cost;
    if (slo === undefined || cost === undefined) throw new Error('spec.slo and costModel are required by the slo policy');
    const current = obs.specReplicas;
    if (summary.samples > 0) {
      this.lastMix = { promptTokens: summary.meanPromptTokens, cachedTokens: summary.meanCachedTokens, outputTokens: summary.meanOutputTokens };
      if (this.role === 'decode' && summary.localPrefillShare > 0) {
        this.lastMix.localPrefill = { share: summary.localPrefillShare, promptTokens: summary.meanLocalPromptTokens, cachedTokens: summary.meanLocalCachedTokens };
      }
    }
    const predictive = this.spec.policy === 'predictive';
    const forecastRate = predictive ? (forecast?.requestRate ?? 0) : 0;
    if (summary.samples === 0 && waiting === 0 && forecastRate * this.binSeconds < FORECAST_TRAFFIC_PER_BIN) {
      const running = obs.load.reduce((a, r) => a + r.running, 0);
      if (running > 0) {
        return { replicas: current, reason: 'no-metrics', message: `${running} requests running but none finished in the window: holding at ${current}`, inputs: { requestRate: 0, running } };
      }
      if (obs.readyReplicas > 0 && obs.load.length === 0) {
        return { replicas: current, reason: 'no-metrics', message: `no finished request and no load snapshot from any of ${obs.readyReplicas} ready replicas (are the request-metrics and endpoint-load topics flowing?): holding at ${current}`, inputs: { requestRate: 0 } };
      }
      return { replicas: floor, reason: 'no-traffic', message: `no traffic in the window: holding at the minimum ${floor}`, inputs: { requestRate: 0 } };
    }
    const mix = this.forecastMix(predictive ? forecast : undefined) ?? this.lastMix;
    if (mix === undefined) {
      return { replicas: current, reason: 'no-metrics', message: `${waiting} waiting but no finished request yet to size from: holding at ${current}`, inputs: { waiting } };
    }
    const observed = { samples: summary.samples, requestRate: summary.requestRate, ttftP: summary.ttftP, itlP: summary.itlP, readyReplicas: obs.readyReplicas, load: obs.load };
    // The tables' bias is learnt only from a window served by the same ready replicas throughout and
    // with no backlog: requests that queued behind a shortfall (or finished on pods since removed)
    // measure the past fleet, not the model, and would teach a correction that over-provisions for minutes.
    const readyFor = obs.nowMs - (this.lastReady?.sinceMs ?? obs.nowMs);
    const steady = readyFor >= this.window.windowMs && waiting <= obs.readyReplicas;
    const predicted = updateCorrections(this.corrections, this.role, cost, this.lastMix ?? mix, observed, slo.percentile, steady);
    // Finished requests under-read the demand of an overloaded pool (it finishes at its capacity):
    // the queue's growth since the last sync is arriving demand on top, and what already waits is
    // drained within one window.
    const last = this.lastWaiting;
    const queueGrowthRate = last !== undefined && obs.nowMs > last.atMs ? Math.max(0, waiting - last.waiting) / ((obs.nowMs - last.atMs) / 1000) : 0;
    const backlogRate = waiting / (this.window.windowMs / 1000);
    const plan = predictive && outlook !== undefined ? this.planned(summary.requestRate, outlook) : { rate: summary.requestRate, forecastError: 0 };
    const planned = plan.rate;
    const forecastError = plan.forecastError;
    const demandRate = planned + queueGrowthRate + backlogRate;
    const byForecast = predictive && planned > summary.requestRate;
    const rec = sloRecommendation({
      role: this.role,
      cost,
      slo,
      demand: { requestRate: demandRate, mix },
      observed,
      corrections: this.corrections,
      current,
      maxReplicas: this.spec.maxReplicas,
      reason: byForecast ? 'forecast' : undefined,
    });
    const inputs: Record<string, number> = { ...rec.inputs, waiting, queueGrowthRate, backlogRate, ...(predictive ? { forecastError } : {}), observedSeconds: summary.observedSeconds, correctionLearnt: steady ? 1 : 0 };
    if (Number.isFinite(predicted.ttftMs)) inputs.predictedTtftMs = predicted.ttftMs;
    if (Number.isFinite(predicted.itlMs)) inputs.predictedItlMs = predicted.itlMs;
    if (rec.replicas < current && summary.observedSeconds * 1000 < this.window.windowMs) {
      // A rate over a part-window is noisy; a right-sized pool must not shrink on the first syncs.
      return {
        replicas: current,
        reason: 'window-filling',
        message: `${rec.message}; holding at ${current} until a whole ${this.window.windowMs / 1000} s window is observed (${Math.round(summary.observedSeconds)} s so far)`,
        inputs,
      };
    }
    return { ...rec, inputs };
  }

  /** The forecast's token mix, the cached share taken from what is observed. */
  private forecastMix(f: TrafficForecast | undefined): TokenMix | undefined {
    if (f === undefined || !Number.isFinite(f.promptTokens) || !Number.isFinite(f.outputTokens)) return undefined;
    const cachedShare = this.lastMix && this.lastMix.promptTokens > 0 ? this.lastMix.cachedTokens / this.lastMix.promptTokens : 0;
    return { promptTokens: f.promptTokens, cachedTokens: f.promptTokens * cachedShare, outputTokens: f.outputTokens, ...(this.lastMix?.localPrefill ? { localPrefill: this.lastMix.localPrefill } : {}) };
  }
}

/** Requests waiting in the pool: the replicas' queues and flow control's queue before them. */
function waitingOf(obs: PoolObservation): number {
  return obs.load.reduce((a, r) => a + r.waiting, 0) + (obs.queuedRequests ?? 0);
}
