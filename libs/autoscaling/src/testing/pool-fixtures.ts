// Spec helpers: parsed specs, evenly spaced finished requests, observations of N equally loaded replicas.
import { autoscalingSpec, type AutoscalingSpec } from '@llmd/crd-types';
import type { PoolAutoscaler } from '../pool-autoscaler';
import type { PoolObservation, RequestSample } from '../types';

/** A parsed spec (defaults applied) from its input form. */
export function spec(input: Record<string, unknown>): AutoscalingSpec {
  return autoscalingSpec.parse(input);
}

/** Records `rate` requests/s ending evenly over (fromMs, toMs]. */
export function feed(a: PoolAutoscaler, fromMs: number, toMs: number, rate: number, r: Omit<RequestSample, 'endMs'>): void {
  if (rate <= 0) return;
  const n = Math.round(((toMs - fromMs) / 1000) * rate);
  for (let k = 1; k <= n; k++) a.record({ ...r, endMs: fromMs + ((toMs - fromMs) * k) / n });
}

/** An observation of `replicas` ready replicas with the same load each. */
export function observe(nowMs: number, replicas: number, load: { kv?: number; waiting?: number; running?: number } = {}, extra: Partial<PoolObservation> = {}): PoolObservation {
  return {
    nowMs,
    specReplicas: replicas,
    readyReplicas: replicas,
    startingReplicas: 0,
    load: Array.from({ length: replicas }, (_, i) => ({ id: `sim-${i}`, kvCacheUsage: load.kv ?? 0.3, waiting: load.waiting ?? 0, running: load.running ?? 4 })),
    ...extra,
  };
}
