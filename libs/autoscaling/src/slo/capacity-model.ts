// What one pod sustains at the SLO, from the GPU cost tables: prefill pods by TTFT (M/D/1 bound on
// the prefill service time), decode pods by ITL (the largest batch whose step keeps ITL at target,
// Little's law for the concurrency it holds), unified pods by both with prefill and decode sharing
// the GPU. Latencies are multiplied by the observed/predicted correction factors.
import { GPU_MEMORY_BYTES, type CostModel } from '@llmd/gpu-cost';
import type { PoolRole } from '../types';
import { latencyQuantileMs, maxUtilisation } from './queueing';

/** The mean request of the window. */
export interface TokenMix {
  promptTokens: number;
  cachedTokens: number;
  outputTokens: number;
  /**
   * A decode pool's own prefill work: the share of its requests it prefilled itself (the rest came
   * prefilled from a prefill pool) and their mean prompt and cached tokens. Absent: every request
   * (unified pools), or none (decode pools).
   */
  localPrefill?: { share: number; promptTokens: number; cachedTokens: number };
}

/** Targets and corrections one capacity computation uses. */
export interface CapacityTargets {
  ttftMs: number;
  itlMs: number;
  percentile: number;
  /** Observed/predicted TTFT (1 = the tables are right). */
  ttftCorrection: number;
  /** Observed/predicted ITL. */
  itlCorrection: number;
}

/** One pod's capacity. */
export interface PodCapacity {
  /** Requests per second one pod sustains within the targets (0 when the targets are out of reach). */
  ratePerPod: number;
  /** Which target binds: 'ttft', 'itl', or 'kv' (the KV cache holds no more sequences). */
  bound: 'ttft' | 'itl' | 'kv';
  /** Prefill service time of the mean request, ms (0 for decode pods). */
  prefillMs: number;
  /** Concurrent decodes one pod holds at the target (0 for prefill pods). */
  maxBatch: number;
  /** Decode step at that batch, ms (0 for prefill pods). */
  decodeStepMs: number;
}

/** Fraction of GPU memory vLLM gives weights plus KV cache (its gpu_memory_utilization default). */
export const GPU_MEMORY_UTILIZATION = 0.9;
/** Most sequences an engine runs at once: vLLM's `--max-num-seqs` default (vllm-sim's too); more wait. */
export const MAX_BATCH = 256;

/** The standard normal quantile at 0.5 <= q < 1 (Shore's approximation, within 0.01 to q = 0.999). */
export function normalQuantile(q: number): number {
  if (!(q > 0.5)) return 0;
  return 5.5556 * (1 - ((1 - q) / q) ** 0.1186);
}

/**
 * The mean concurrency a pod may run at and still hold every sequence at the percentile: the
 * sequences it can hold (KV cache, max_num_seqs) less the fluctuation of a Poisson number in
 * system, n - z_p·sqrt(n). A mean at the limit itself would queue half the time.
 */
export function concurrencyLimit(cost: CostModel, mix: TokenMix, p: number): number {
  const n = kvMaxSequences(cost, mix);
  return Math.max(1, Math.floor(n - normalQuantile(p / 100) * Math.sqrt(n)));
}

/** Decode context of the mean request halfway through its output. */
export function decodeContext(mix: TokenMix): number {
  return Math.max(1, mix.promptTokens + mix.outputTokens / 2);
}

/** The prefill pass of the mean request: its new tokens behind its cached ones (at least one new token). */
export function prefillServiceMs(cost: CostModel, mix: TokenMix): number {
  const cached = Math.max(0, Math.min(mix.cachedTokens, mix.promptTokens));
  return cost.prefillBehindMs(Math.max(1, mix.promptTokens - cached), cached);
}

/** Sequences of the mean request's full length the KV cache of one GPU holds. */
export function kvMaxSequences(cost: CostModel, mix: TokenMix): number {
  const tokens = (GPU_MEMORY_BYTES * GPU_MEMORY_UTILIZATION - cost.profile.weight_bytes) / cost.kvBytesPerToken();
  return Math.max(1, Math.min(MAX_BATCH, Math.floor(tokens / Math.max(1, mix.promptTokens + mix.outputTokens))));
}

/** The largest batch (<= limit) with step(batch) <= budgetMs; 0 when even one sequence is too slow. */
export function largestBatchWithin(cost: CostModel, context: number, budgetMs: number, limit: number): number {
  if (cost.decodeStepMs(1, context) > budgetMs) return 0;
  let lo = 1;
  let hi = limit;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (cost.decodeStepMs(mid, context) <= budgetMs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A prefill pod: rate = rho* / S, rho* the highest utilisation whose TTFT percentile meets target / correction. */
export function prefillPodCapacity(cost: CostModel, mix: TokenMix, t: CapacityTargets): PodCapacity {
  const s = prefillServiceMs(cost, mix);
  const rho = maxUtilisation(s, t.ttftMs / t.ttftCorrection, t.percentile);
  return { ratePerPod: rho / (s / 1000), bound: 'ttft', prefillMs: s, maxBatch: 0, decodeStepMs: 0 };
}

/**
 * A decode pod: it holds B concurrent sequences, B the largest batch whose step at the mean context
 * keeps ITL × correction within target (and fits the KV cache); each request decodes for
 * output × step(B) × correction, so by Little's law the pod sustains B / that duration requests/s.
 */
export function decodePodCapacity(cost: CostModel, mix: TokenMix, t: CapacityTargets): PodCapacity {
  const ctx = decodeContext(mix);
  const kvLimit = concurrencyLimit(cost, mix, t.percentile);
  const byItl = largestBatchWithin(cost, ctx, t.itlMs / t.itlCorrection, MAX_BATCH);
  const batch = Math.min(byItl, kvLimit);
  const step = batch > 0 ? cost.decodeStepMs(batch, ctx) : 0;
  const durationS = (Math.max(1, mix.outputTokens) * step * t.itlCorrection) / 1000;
  return { ratePerPod: batch > 0 ? batch / durationS : 0, bound: byItl > kvLimit ? 'kv' : 'itl', prefillMs: 0, maxBatch: batch, decodeStepMs: step };
}

/** The state of a unified pod at one per-pod rate. */
export interface UnifiedLoad {
  /** Share of GPU time spent in prefill passes. */
  prefillUtilisation: number;
  /** Concurrent decodes (Little's law at the effective ITL). */
  concurrency: number;
  /** Decode step stretched by the prefill share: step(L) / (1 - rho_p). */
  itlMs: number;
  /** A prefill rides in one step with the running decodes, sharing its weight read: S + step(L) - floor. */
  prefillServiceMs: number;
  ttftMs: number;
}

/**
 * A unified pod at `rate` requests/s, as vLLM runs it: each prefill rides in a mixed step with the
 * running decodes, costing S + step(L) - floor (the step's weight read, `decodeFloorMs`, is paid
 * once), and the decodes advance one token in every step, mixed or not. Per second the decodes thus
 * lose rho_p = rate × (S - floor) of the GPU to prefill, so ITL = step(L) / (1 - rho_p), and
 * L = rate × output × ITL (Little's law), solved by fixed-point iteration; a prefill's service is the
 * mixed step, queued as in M/D/1. Uncorrected figures.
 */
export function unifiedLoad(cost: CostModel, mix: TokenMix, rate: number, p: number): UnifiedLoad {
  const lp = mix.localPrefill;
  const share = lp?.share ?? 1;
  const s = share > 0 ? prefillServiceMs(cost, lp ? { promptTokens: lp.promptTokens, cachedTokens: lp.cachedTokens, outputTokens: mix.outputTokens } : mix) : 0;
  const prefillRate = rate * share;
  const ctx = decodeContext(mix);
  const floor = cost.decodeFloorMs();
  const rho = (prefillRate * Math.max(0, s - floor)) / 1000;
  if (rho >= 1) return { prefillUtilisation: rho, concurrency: Number.POSITIVE_INFINITY, itlMs: Number.POSITIVE_INFINITY, prefillServiceMs: s, ttftMs: Number.POSITIVE_INFINITY };
  let l = 1;
  let itl = cost.decodeStepMs(1, ctx) / (1 - rho);
  for (let i = 0; i < 50; i++) {
    const next = Math.max(1, (rate * Math.max(1, mix.outputTokens) * itl) / 1000);
    if (next > MAX_BATCH * 4) {
      l = next;
      itl = Number.POSITIVE_INFINITY;
      break;
    }
    itl = cost.decodeStepMs(next, ctx) / (1 - rho);
    if (Math.abs(next - l) < 1e-6) break;
    l = next;
  }
  const service = s + (Number.isFinite(itl) ? Math.max(0, cost.decodeStepMs(l, ctx) - floor) : 0);
  const rhoService = (prefillRate * service) / 1000;
  // Without prefill work of its own, a request's first token is one decode step away.
  const ttftMs = share > 0 ? latencyQuantileMs(service, rhoService, p) : itl;
  return { prefillUtilisation: rho, concurrency: l, itlMs: itl, prefillServiceMs: service, ttftMs };
}

/** A unified pod: the highest rate at which corrected TTFT and ITL both meet their targets and the decodes fit the KV cache. */
export function unifiedPodCapacity(cost: CostModel, mix: TokenMix, t: CapacityTargets): PodCapacity {
  const kvLimit = concurrencyLimit(cost, mix, t.percentile);
  const lp = mix.localPrefill;
  const share = lp?.share ?? 1;
  const s = lp ? prefillServiceMs(cost, { promptTokens: lp.promptTokens, cachedTokens: lp.cachedTokens, outputTokens: mix.outputTokens }) : prefillServiceMs(cost, mix);
  const fails = (rate: number): 'ttft' | 'itl' | 'kv' | undefined => {
    const u = unifiedLoad(cost, mix, rate, t.percentile);
    if (!(u.ttftMs * t.ttftCorrection <= t.ttftMs)) return 'ttft';
    if (!(u.itlMs * t.itlCorrection <= t.itlMs)) return 'itl';
    if (u.concurrency > kvLimit) return 'kv';
    return undefined;
  };
  let lo = 0;
  let hi = 1000 / (s * Math.max(share, 1e-6));
  let bound: 'ttft' | 'itl' | 'kv' = fails(1e-9) ?? 'ttft';
  if (fails(1e-9) !== undefined) return { ratePerPod: 0, bound, prefillMs: s, maxBatch: 0, decodeStepMs: 0 };
  // to a relative precision of 1e-6 (about 20 halvings): the rate is an input to a ceil, not a figure to print
  for (let i = 0; i < 60 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    const f = fails(mid);
    if (f === undefined) lo = mid;
    else {
      hi = mid;
      bound = f;
    }
  }
  const u = unifiedLoad(cost, mix, lo, t.percentile);
  return { ratePerPod: lo, bound, prefillMs: s, maxBatch: Math.floor(u.concurrency), decodeStepMs: cost.decodeStepMs(u.concurrency, decodeContext(mix)) };
}

/** One pod's capacity for the pool's role. */
export function podCapacity(role: PoolRole, cost: CostModel, mix: TokenMix, t: CapacityTargets): PodCapacity {
  if (role === 'prefill') return prefillPodCapacity(cost, mix, t);
  // A decode pool that prefills some prompts itself shares its GPU as a unified pod does, for that share.
  if (role === 'decode') return (mix.localPrefill?.share ?? 0) > 0 ? unifiedPodCapacity(cost, mix, t) : decodePodCapacity(cost, mix, t);
  return unifiedPodCapacity(cost, mix, t);
}
