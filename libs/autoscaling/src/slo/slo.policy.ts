// The slo policy: replicas = demand / what one pod sustains at the TTFT and ITL targets, the pod's
// capacity from the GPU cost tables corrected by observed/predicted latency (Dynamo's SLA planner).
import type { SloTargets } from '@llmd/crd-types';
import type { CostModel } from '@llmd/gpu-cost';
import type { PoolRole, Recommendation, ReplicaLoad } from '../types';
import { decodeContext, podCapacity, prefillServiceMs, unifiedLoad, type TokenMix } from './capacity-model';
import { CORRECTION_MIN_SAMPLES, LatencyCorrection } from './latency-correction';
import { latencyQuantileMs } from './queueing';

/** The two correction factors of a pool. */
export interface SloCorrections {
  ttft: LatencyCorrection;
  itl: LatencyCorrection;
}

/** Creates a pool's corrections, both at 1. */
export function newSloCorrections(): SloCorrections {
  return { ttft: new LatencyCorrection(), itl: new LatencyCorrection() };
}

/** What the slo policy sizes for: a request rate and the mean request. */
export interface SloDemand {
  /** Requests per second to provision for. */
  requestRate: number;
  mix: TokenMix;
}

/** The observed side: latencies at the percentile over the window and the replicas' load. */
export interface SloObserved {
  samples: number;
  requestRate: number;
  ttftP: number;
  itlP: number;
  readyReplicas: number;
  load: readonly ReplicaLoad[];
}

/** Model-predicted TTFT and ITL at the observed per-pod load (uncorrected). */
export function predictedLatency(role: PoolRole, cost: CostModel, mix: TokenMix, observed: SloObserved, p: number): { ttftMs: number; itlMs: number } {
  const perPod = observed.requestRate / Math.max(1, observed.readyReplicas);
  const running = observed.load.length > 0 ? observed.load.reduce((a, r) => a + r.running, 0) / observed.load.length : 0;
  if (role === 'unified') {
    const u = unifiedLoad(cost, mix, perPod, p);
    return { ttftMs: u.ttftMs, itlMs: u.itlMs };
  }
  const s = prefillServiceMs(cost, mix);
  const ttftMs = role === 'prefill' ? latencyQuantileMs(s, (perPod * s) / 1000, p) : Number.NaN;
  const itlMs = role === 'decode' ? cost.decodeStepMs(Math.max(1, running), decodeContext(mix)) : Number.NaN;
  return { ttftMs, itlMs };
}

/**
 * Folds the window's observed/predicted latencies into the corrections when it holds enough requests
 * and `learn` (the caller's judgement that the window measured the model, not a transient); returns
 * the prediction either way.
 */
export function updateCorrections(c: SloCorrections, role: PoolRole, cost: CostModel, mix: TokenMix, observed: SloObserved, p: number, learn = true): { ttftMs: number; itlMs: number } {
  const predicted = predictedLatency(role, cost, mix, observed, p);
  if (learn && observed.samples >= CORRECTION_MIN_SAMPLES) {
    if (role !== 'decode') c.ttft.observe(observed.ttftP, predicted.ttftMs);
    if (role !== 'prefill') c.itl.observe(observed.itlP, predicted.itlMs);
  }
  return predicted;
}

function round(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/**
 * The replicas the demand needs at the targets: ceil(requestRate / ratePerPod). A demand the
 * targets cannot meet on any pod asks for `maxReplicas`.
 */
export function sloRecommendation(input: {
  role: PoolRole;
  cost: CostModel;
  slo: SloTargets;
  demand: SloDemand;
  observed: SloObserved;
  corrections: SloCorrections;
  current: number;
  maxReplicas: number;
  reason?: string;
}): Recommendation {
  const { role, cost, slo, demand, observed, corrections, current } = input;
  const t = { ttftMs: slo.ttftMs, itlMs: slo.itlMs, percentile: slo.percentile, ttftCorrection: corrections.ttft.factor, itlCorrection: corrections.itl.factor };
  const cap = podCapacity(role, cost, demand.mix, t);
  const inputs: Record<string, number> = {
    requestRate: observed.requestRate,
    demandRate: demand.requestRate,
    ratePerPod: cap.ratePerPod,
    promptTokens: demand.mix.promptTokens,
    cachedTokens: demand.mix.cachedTokens,
    outputTokens: demand.mix.outputTokens,
    ttftCorrection: t.ttftCorrection,
    itlCorrection: t.itlCorrection,
    samples: observed.samples,
  };
  if (demand.mix.localPrefill) inputs.localPrefillShare = demand.mix.localPrefill.share;
  if (Number.isFinite(observed.ttftP)) inputs.ttftP = observed.ttftP;
  if (Number.isFinite(observed.itlP)) inputs.itlP = observed.itlP;
  if (cap.prefillMs > 0) inputs.prefillMs = cap.prefillMs;
  if (cap.maxBatch > 0) inputs.maxBatch = cap.maxBatch;
  if (cap.ratePerPod <= 0) {
    const which = cap.bound === 'ttft' ? 'ttft-over-target' : 'itl-over-target';
    return { replicas: input.maxReplicas, reason: which, message: `no pod meets ${cap.bound} at ${round(cap.bound === 'ttft' ? slo.ttftMs : slo.itlMs)} ms for this token mix: maximum replicas`, inputs };
  }
  const replicas = Math.max(1, Math.ceil(demand.requestRate / cap.ratePerPod - 1e-9));
  let reason = input.reason ?? 'slo-capacity';
  if (input.reason === undefined && replicas > current) {
    if (role !== 'decode' && observed.ttftP > slo.ttftMs) reason = 'ttft-over-target';
    else if (role !== 'prefill' && observed.itlP > slo.itlMs) reason = 'itl-over-target';
  }
  return {
    replicas,
    reason,
    message: `${round(demand.requestRate)} req/s at ${round(cap.ratePerPod)} req/s per ${role} pod (${cap.bound}-bound, TTFT p${slo.percentile} ${round(observed.ttftP, 0)} ms vs ${slo.ttftMs}, ITL ${round(observed.itlP, 1)} ms vs ${slo.itlMs}): ${replicas} replicas`,
    inputs,
  };
}
