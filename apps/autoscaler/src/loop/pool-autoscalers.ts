// One PoolAutoscaler (@llmd/autoscaling) per pool, made from the pool's spec and kept across syncs:
// updated in place when the spec changes, made again when the cost model it needs changes.
import { PoolAutoscaler } from '@llmd/autoscaling';
import type { AutoscalingSpec } from '@llmd/crd-types';
import { costModelFor, GPU_PROFILES } from '@llmd/gpu-cost';
import type { ScalablePool } from '../actuators/actuator';

/** Whether the spec's policy sizes on the GPU cost model (slo, or predictive over slo). */
export function needsCostModel(spec: AutoscalingSpec): boolean {
  return spec.policy === 'slo' || (spec.policy === 'predictive' && (spec.predictive?.basePolicy ?? 'slo') === 'slo');
}

/** Family and parameter count of a model name: `meta-llama/Llama-3.1-8B-Instruct` -> llama, 8b. */
function familyAndSize(name: string): string | undefined {
  const base = name.toLowerCase().split('/').pop() ?? '';
  const family = /^[a-z]+/.exec(base)?.[0];
  const size = /(?:^|[-_])(\d+(?:\.\d+)?b)(?:$|[-_])/.exec(base)?.[1];
  return family && size ? `${family}|${size}` : undefined;
}

/**
 * The GPU cost profile of a pool: spec.autoscaling.costProfile, else the profile named as the model,
 * else the one profile of the same family and parameter count (Llama-3.1-8B-Instruct -> llama-3-8b).
 */
export function costProfileFor(spec: AutoscalingSpec, model: string): string {
  if (spec.costProfile) return spec.costProfile;
  const names = GPU_PROFILES.flatMap((f) => f.models.map((m) => m.model));
  if (names.includes(model)) return model;
  const key = familyAndSize(model);
  const matching = key ? names.filter((n) => familyAndSize(n) === key) : [];
  return matching.length === 1 ? matching[0] : model;
}

/** The PoolAutoscaler of a pool; throws with the field to fix when its cost profile is unknown. */
export function createPoolAutoscaler(pool: ScalablePool): PoolAutoscaler {
  const spec = pool.autoscaling;
  let costModel;
  if (needsCostModel(spec)) {
    const profile = costProfileFor(spec, pool.model);
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

const costKey = (pool: ScalablePool) => (needsCostModel(pool.autoscaling) ? costProfileFor(pool.autoscaling, pool.model) : '') + `|${pool.role}`;

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
