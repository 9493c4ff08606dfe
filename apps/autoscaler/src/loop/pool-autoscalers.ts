// One PoolAutoscaler (@llmd/autoscaling) per pool, made from the pool's spec and kept across syncs:
// updated in place when the spec changes, made again when the cost model it needs changes.
import { PoolAutoscaler } from '@llmd/autoscaling';
import type { AutoscalingSpec } from '@llmd/crd-types';
import { costModelFor } from '@llmd/gpu-cost';
import type { ScalablePool } from '../actuators/actuator';

/** Whether the spec's policy sizes on the GPU cost model (slo, or predictive over slo). */
export function needsCostModel(spec: AutoscalingSpec): boolean {
  return spec.policy === 'slo' || (spec.policy === 'predictive' && (spec.predictive?.basePolicy ?? 'slo') === 'slo');
}

/** The PoolAutoscaler of a pool; throws with the field to fix when its cost profile is unknown. */
export function createPoolAutoscaler(pool: ScalablePool): PoolAutoscaler {
  const spec = pool.autoscaling;
  let costModel;
  if (needsCostModel(spec)) {
    const profile = spec.costProfile ?? pool.model;
    try {
      costModel = costModelFor(profile);
    } catch (err) {
      throw new Error(`spec.autoscaling.costProfile: the ${spec.policy} policy needs a GPU cost profile; ${(err as Error).message}`);
    }
  }
  return new PoolAutoscaler({ spec, role: pool.role, costModel });
}

interface Entry {
  autoscaler: PoolAutoscaler;
  spec: string;
  costKey: string;
}

const costKey = (pool: ScalablePool) => (needsCostModel(pool.autoscaling) ? `${pool.autoscaling.costProfile ?? pool.model}` : '') + `|${pool.role}`;

export class PoolAutoscalers {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly create: (pool: ScalablePool) => PoolAutoscaler = createPoolAutoscaler) {}

  get(key: string): PoolAutoscaler | undefined {
    return this.entries.get(key)?.autoscaler;
  }

  /** The pool's autoscaler, brought up to its current spec (throws as createPoolAutoscaler). */
  ensure(key: string, pool: ScalablePool): PoolAutoscaler {
    const spec = JSON.stringify(pool.autoscaling);
    const entry = this.entries.get(key);
    if (entry && entry.costKey === costKey(pool)) {
      if (entry.spec !== spec) {
        entry.autoscaler.updateSpec(pool.autoscaling);
        entry.spec = spec;
      }
      return entry.autoscaler;
    }
    const autoscaler = this.create(pool);
    this.entries.set(key, { autoscaler, spec, costKey: costKey(pool) });
    return autoscaler;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}
