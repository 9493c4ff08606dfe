// Where the autoscaler reads pools and writes their replicas: a cluster's ServingPools, the local
// stack's pool control server, or nowhere. One small interface, so the loop never knows which.
import type { PoolRole } from '@llmd/autoscaling';
import type { AutoscalingSpec } from '@llmd/crd-types';

export interface PoolRef {
  namespace: string;
  name: string;
}

/** One pool as the actuator sees it now. */
export interface ScalablePool extends PoolRef {
  model: string;
  role: PoolRole;
  /** Parsed, defaults applied. */
  autoscaling: AutoscalingSpec;
  /** The scale subresource's spec.replicas now. */
  specReplicas: number;
  readyReplicas: number;
  /** Pods that exist, are not ready and are not terminating. */
  startingReplicas: number;
  /** Ids as they appear in llmd.endpoint-load.v1 records (endpointId). */
  endpointIds: string[];
  /** Creation-to-ready seconds of pods that became ready since the last call. */
  startupSeconds?: number[];
  /** Accelerator label of the wva_* gauges (spec.autoscaling.acceleratorType, else the pods'). */
  acceleratorType?: string;
}

/** A pool that asks for autoscaling with a spec that does not parse: skipped, with the reason. */
export interface InvalidPool extends PoolRef {
  model: string;
  role: PoolRole;
  specReplicas: number;
  readyReplicas: number;
  startingReplicas: number;
  endpointIds: string[];
  /** What is wrong, naming the field. */
  invalid: string;
}

export type ListedPool = ScalablePool | InvalidPool;

export function isInvalid(p: ListedPool): p is InvalidPool {
  return 'invalid' in p;
}

export interface Actuator {
  readonly kind: 'kubernetes' | 'local' | 'none';
  /** The pools to autoscale now (invalid ones included, marked). */
  pools(): Promise<ListedPool[]>;
  /** Writes the pool's desired replicas (the scale subresource, or the local stack's equivalent). */
  scale(pool: PoolRef, replicas: number): Promise<void>;
  /** True once the actuator can list pools (informers synced, the local server answered). */
  ready(): boolean;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** actuator 'none': no pools, nothing written; the app only exports the load gauges. */
export class NoneActuator implements Actuator {
  readonly kind = 'none' as const;
  async pools(): Promise<ListedPool[]> {
    return [];
  }
  async scale(pool: PoolRef): Promise<void> {
    throw new Error(`actuator 'none' cannot scale ${pool.namespace}/${pool.name}`);
  }
  ready(): boolean {
    return true;
  }
}

export const poolKey = (p: PoolRef): string => `${p.namespace}/${p.name}`;
