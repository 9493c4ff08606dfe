// The workload-variant-autoscaler's saturation analysis of one pool's ready replicas: which are
// saturated, the mean spare KV and queue capacity of the others, whether spare capacity runs low,
// and whether the load of the unsaturated replicas still fits on one replica fewer.
import { isSaturated } from '../saturation-defaults';
import type { ReplicaLoad } from '../types';

/** The four thresholds of the analysis (WVA's capacity-scaling ConfigMap keys). */
export interface SaturationThresholdValues {
  kvCacheThreshold: number;
  queueLengthThreshold: number;
  kvSpareTrigger: number;
  queueSpareTrigger: number;
}

/** What the analysis found. */
export interface SaturationAnalysis {
  replicas: number;
  saturated: number;
  unsaturated: number;
  /** Mean over unsaturated replicas of kvCacheThreshold - kv (0 when all are saturated). */
  spareKv: number;
  /** Mean over unsaturated replicas of queueLengthThreshold - waiting (0 when all are saturated). */
  spareQueue: number;
  kvLow: boolean;
  queueLow: boolean;
  /** Spare capacity after spreading the unsaturated replicas' total load over one fewer (NaN below two). */
  spareKvAfterRemoval: number;
  spareQueueAfterRemoval: number;
  scaleDownSafe: boolean;
}

/** Fewest unsaturated replicas for a scale-down to be considered (WVA's MinNonSaturatedReplicasForScaleDown). */
export const MIN_UNSATURATED_FOR_SCALE_DOWN = 2;

/** Analyses the replicas' load against the thresholds. */
export function analyzeSaturation(load: readonly ReplicaLoad[], t: SaturationThresholdValues): SaturationAnalysis {
  // The arithmetic follows WVA's order (mean of per-replica spares; load after removal as the mean
  // load times N/(N-1)) so that figures on a trigger's edge fall the same side.
  let unsaturated = 0;
  let spareKvSum = 0;
  let spareQueueSum = 0;
  for (const r of load) {
    if (isSaturated(r, t)) continue;
    unsaturated++;
    spareKvSum += t.kvCacheThreshold - r.kvCacheUsage;
    spareQueueSum += t.queueLengthThreshold - r.waiting;
  }
  const spareKv = unsaturated > 0 ? spareKvSum / unsaturated : 0;
  const spareQueue = unsaturated > 0 ? spareQueueSum / unsaturated : 0;
  const kvLow = spareKv < t.kvSpareTrigger;
  const queueLow = spareQueue < t.queueSpareTrigger;
  const remaining = unsaturated - 1;
  const spread = remaining > 0 ? unsaturated / remaining : Number.NaN;
  const spareKvAfterRemoval = remaining > 0 ? t.kvCacheThreshold - (t.kvCacheThreshold - spareKv) * spread : Number.NaN;
  const spareQueueAfterRemoval = remaining > 0 ? t.queueLengthThreshold - (t.queueLengthThreshold - spareQueue) * spread : Number.NaN;
  const scaleDownSafe =
    unsaturated >= MIN_UNSATURATED_FOR_SCALE_DOWN && spareKvAfterRemoval >= t.kvSpareTrigger && spareQueueAfterRemoval >= t.queueSpareTrigger;
  return {
    replicas: load.length,
    saturated: load.length - unsaturated,
    unsaturated,
    spareKv,
    spareQueue,
    kvLow,
    queueLow,
    spareKvAfterRemoval,
    spareQueueAfterRemoval,
    scaleDownSafe,
  };
}
