// The saturation thresholds, in one place: the scheduler's saturation filter, flow control and the
// saturation scaling policy all read them (llm-d's workload-variant-autoscaler ConfigMap defaults).

/** Default thresholds: a replica is saturated at KV >= 0.8 or queue >= 5; scale up below 0.1 spare KV or 3 spare queue. */
export const SATURATION_DEFAULTS = {
  kvCacheThreshold: 0.8,
  queueLengthThreshold: 5,
  kvSpareTrigger: 0.1,
  queueSpareTrigger: 3,
} as const satisfies { kvCacheThreshold: number; queueLengthThreshold: number; kvSpareTrigger: number; queueSpareTrigger: number };

/** Whether one replica's load is at or past either threshold (KV-cache usage or waiting requests). */
export function isSaturated(load: { waiting: number; kvCacheUsage: number }, t: { kvCacheThreshold: number; queueLengthThreshold: number }): boolean {
  return load.kvCacheUsage >= t.kvCacheThreshold || load.waiting >= t.queueLengthThreshold;
}
