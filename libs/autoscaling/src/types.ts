// The autoscaler's vocabulary: what a pool looks like when deciding, what finished requests and
// traffic history carry, and what a decision says.

/** Which phase a pool serves: prefill pools are sized on TTFT, decode on ITL, unified on both. */
export type PoolRole = 'unified' | 'prefill' | 'decode';

/** The newest load snapshot of one ready replica (from llmd.endpoint-load.v1). */
export interface ReplicaLoad {
  id: string;
  /** KV-cache usage, 0..1. */
  kvCacheUsage: number;
  /** Requests waiting in the replica's queue. */
  waiting: number;
  /** Requests running on the replica. */
  running: number;
}

/** One finished request served by the pool (from llmd.request-metrics.v1). */
export interface RequestSample {
  /** When it finished (ms since the epoch). */
  endMs: number;
  ttftMs: number;
  /** Mean inter-token latency of the request. */
  itlMs: number;
  promptTokens: number;
  /** Prompt tokens served from the prefix cache. */
  cachedTokens: number;
  outputTokens: number;
  /** A decode pool's request whose prompt another pool prefilled (this pool only decoded it). */
  remotePrefill?: boolean;
}

/** Traffic of one history bin (seed data for the forecaster). */
export interface TrafficBin {
  startMs: number;
  requests: number;
  promptTokens: number;
  outputTokens: number;
}

/** The pool as observed at one sync. */
export interface PoolObservation {
  nowMs: number;
  /** The scale subresource's spec.replicas now. */
  specReplicas: number;
  /** Pods ready to serve. */
  readyReplicas: number;
  /** Pods that exist and are not ready yet (pending, loading the model). */
  startingReplicas: number;
  /** The newest load snapshot of each ready replica. */
  load: ReplicaLoad[];
  /** Requests for this pool held before any replica (flow control's queue); they wake a pool at zero. */
  queuedRequests?: number;
}

/**
 * Why a policy recommends what it does: a stable kebab-case code, listed in the lib's README
 * ('spare-kv-low', 'spare-queue-low', 'all-saturated', 'scale-down-safe', 'steady', 'pods-starting',
 * 'no-metrics', 'ttft-over-target', 'itl-over-target', 'slo-capacity', 'forecast', 'no-traffic',
 * 'idle-to-zero', 'wake-from-zero', 'window-filling').
 */
export type ScalingReason = string;

/** The constraint that moved the desired count away from the recommendation. */
export type LimitReason =
  | 'minReplicas'
  | 'maxReplicas'
  | 'scaleUpStabilization'
  | 'scaleDownStabilization'
  | 'scaleUpRate'
  | 'scaleDownRate'
  | 'scaleUpDisabled'
  | 'scaleDownDisabled';

/** One decision for one pool. */
export interface ScalingDecision {
  atMs: number;
  policy: 'saturation' | 'slo' | 'predictive';
  /** specReplicas when deciding. */
  current: number;
  /** The policy's own answer, before bounds and behavior. */
  recommended: number;
  /** After min/max, scale-to-zero, stabilization and rate limits: what to write. */
  desired: number;
  reason: ScalingReason;
  /** One human sentence with the figures. */
  message: string;
  limitedBy?: LimitReason;
  /** The figures used (spareKv, spareQueue, requestRate, forecastRate, ttftP, predictedTtftMs, ...). */
  inputs: Record<string, number>;
}

/** A policy's own answer, before bounds and behavior. */
export interface Recommendation {
  replicas: number;
  reason: ScalingReason;
  message: string;
  inputs: Record<string, number>;
}
