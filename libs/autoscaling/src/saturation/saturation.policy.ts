// The saturation policy: WVA's rules on the ready replicas' load. One replica more when spare
// capacity runs low (never while pods are still starting), one fewer when the load fits on N-1
// with both spares above their triggers, otherwise hold.
import { SATURATION_DEFAULTS } from '../saturation-defaults';
import type { PoolObservation, Recommendation } from '../types';
import { analyzeSaturation, type SaturationThresholdValues } from './saturation-analysis';

/** The thresholds of a pool: its spec's, else the defaults. */
export function saturationThresholds(s: Partial<SaturationThresholdValues> | undefined): SaturationThresholdValues {
  return { ...SATURATION_DEFAULTS, ...s };
}

function fmt(n: number, digits = 3): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/**
 * One saturation decision. `load` is the newest snapshot per ready replica; a scale-up recommends
 * specReplicas + 1 and waits while any replica asked for is not ready (starting, or not created yet);
 * a scale-down recommends specReplicas - 1.
 */
export function saturationRecommendation(obs: Pick<PoolObservation, 'specReplicas' | 'readyReplicas' | 'startingReplicas' | 'load'>, t: SaturationThresholdValues): Recommendation {
  const current = obs.specReplicas;
  if (obs.load.length === 0) {
    return { replicas: current, reason: 'no-metrics', message: `no load snapshot from any of ${obs.readyReplicas} ready replicas: holding at ${current}`, inputs: { readyReplicas: obs.readyReplicas } };
  }
  const a = analyzeSaturation(obs.load, t);
  const inputs = {
    replicasWithMetrics: a.replicas,
    saturatedReplicas: a.saturated,
    spareKv: a.spareKv,
    spareQueue: a.spareQueue,
    kvSpareTrigger: t.kvSpareTrigger,
    queueSpareTrigger: t.queueSpareTrigger,
    startingReplicas: obs.startingReplicas,
  };
  const spares = `spare KV ${fmt(a.spareKv)} (trigger ${t.kvSpareTrigger}), spare queue ${fmt(a.spareQueue, 2)} (trigger ${t.queueSpareTrigger}) over ${a.unsaturated} of ${a.replicas} unsaturated replicas`;
  if (a.kvLow || a.queueLow) {
    // WVA's pending replicas: asked for and not ready, whether the pod exists yet or not
    const pending = Math.max(obs.startingReplicas, current - obs.readyReplicas);
    if (pending > 0) {
      return { replicas: current, reason: 'pods-starting', message: `${spares}: scale-up waits for ${pending} starting pod(s)`, inputs };
    }
    const reason = a.unsaturated === 0 ? 'all-saturated' : a.kvLow ? 'spare-kv-low' : 'spare-queue-low';
    return { replicas: current + 1, reason, message: `${spares}: one replica more`, inputs };
  }
  if (a.scaleDownSafe && current > 1) {
    return {
      replicas: current - 1,
      reason: 'scale-down-safe',
      message: `${spares}; on ${a.unsaturated - 1} replicas they would be ${fmt(a.spareKvAfterRemoval)} and ${fmt(a.spareQueueAfterRemoval, 2)}: one replica fewer`,
      inputs: { ...inputs, spareKvAfterRemoval: a.spareKvAfterRemoval, spareQueueAfterRemoval: a.spareQueueAfterRemoval },
    };
  }
  return { replicas: current, reason: 'steady', message: `${spares}: no change`, inputs };
}
