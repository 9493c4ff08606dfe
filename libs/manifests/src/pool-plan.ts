// What each pool of an LLMDeployment is, before it becomes a pod template: role, size, GPUs,
// parallelism, the cache settings after the CachePolicy, and the pool-level overrides merged.
import type { AutoscalingSpec, PodResources } from '@llmd/crd-types';
import type { CachePolicyObject, LLMDeploymentObject } from './types';

export type PoolRole = 'unified' | 'prefill' | 'decode';

export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';

export interface Gpus {
  resource: string;
  count: number;
}

interface EnvVar {
  name: string;
  value?: string;
}

interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface PoolPlan {
  /** The ServingPool (and its Deployment): `<deployment>` for unified, `<deployment>-prefill|decode`. */
  name: string;
  role: PoolRole;
  /** The declared replicas (for an autoscaled pool, its size at creation, before clamping). */
  replicas: number;
  /** The pool's effective autoscaling: its own, else serving.autoscaling; absent = not autoscaled. */
  autoscaling?: AutoscalingSpec;
  gpus?: Gpus;
  memory?: string;
  cpu?: string;
  tensor: number;
  data: number;
  args: string[];
  env: EnvVar[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

export interface CacheTierPlan {
  type: 'gpu' | 'cpu' | 'ssd';
  size: string;
  path?: string;
}

export interface CachePlan {
  blockSize: number;
  prefixCaching: boolean;
  hashAlgorithm: 'sha256_cbor' | 'sha256' | 'builtin';
  kvEvents: { enabled: boolean; port: number; replayPort?: number };
  tiers: CacheTierPlan[];
  preload: { model?: string; prompt: string }[];
}

export const DEFAULT_BLOCK_SIZE = 16;
export const DEFAULT_KV_EVENTS_PORT = 5557;

/** The LLMDeployment's cache settings over its CachePolicy's over llmd's defaults. */
export function cachePlan(d: LLMDeploymentObject, policy?: CachePolicyObject): CachePlan {
  const p = policy?.spec;
  return {
    blockSize: d.spec.cache?.blockSize ?? p?.blockSize ?? DEFAULT_BLOCK_SIZE,
    prefixCaching: p?.prefixDeduplication ?? true,
    hashAlgorithm: p?.hashAlgorithm ?? 'sha256_cbor',
    kvEvents: p?.kvEvents ?? { enabled: true, port: DEFAULT_KV_EVENTS_PORT },
    tiers: d.spec.cache?.tiers ?? p?.tiers ?? [],
    preload: p?.preload ?? [],
  };
}

/** GPUs of one pod: `gpu: nvidia.com/gpu` + count, or `gpu: 2` (= 2 x nvidia.com/gpu), or count alone. */
export function resolveGpus(r: PodResources | undefined): Gpus | undefined {
  if (!r) return undefined;
  if (typeof r.gpu === 'number') return { resource: DEFAULT_GPU_RESOURCE, count: r.gpu };
  if (typeof r.gpu === 'string') return { resource: r.gpu, count: r.count ?? 1 };
  if (r.count !== undefined) return { resource: DEFAULT_GPU_RESOURCE, count: r.count };
  return undefined;
}

interface PoolFields {
  parallelism?: { tensor: number; data: number };
  args?: string[];
  env?: EnvVar[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

function mergeEnv(base: EnvVar[] = [], over: EnvVar[] = []): EnvVar[] {
  const names = new Set(over.map((e) => e.name));
  return [...base.filter((e) => !names.has(e.name)), ...over];
}

/**
 * One pool. Parallelism and GPUs must agree: without `parallelism`, the pod's GPUs are its tensor
 * parallelism (the brief's `gpu: 2` prefill pod is TP=2); without GPUs, tensor x data GPUs are
 * requested; both given and different is an invalid spec.
 */
function planPool(
  name: string,
  role: PoolRole,
  replicas: number,
  autoscaling: AutoscalingSpec | undefined,
  resources: PodResources | undefined,
  base: PoolFields,
  pool: PoolFields,
  simulated: boolean,
  field: string,
): PoolPlan | string {
  const declared = resolveGpus(resources);
  const parallelism = pool.parallelism ?? base.parallelism;
  let tensor = parallelism?.tensor ?? 1;
  const data = parallelism?.data ?? 1;
  let gpus = declared;
  if (!parallelism && declared && declared.count > 0) tensor = declared.count;
  if (parallelism && declared && declared.count !== tensor * data) {
    return `${field}.resources.gpu: ${declared.count} GPUs per pod, but parallelism tensor ${tensor} x data ${data} needs ${tensor * data}`;
  }
  if (!declared) gpus = { resource: DEFAULT_GPU_RESOURCE, count: tensor * data };
  if (gpus && gpus.count === 0 && !simulated) return `${field}.resources.gpu: vLLM needs at least one GPU per pod (or set spec.simulated)`;
  return {
    name,
    role,
    replicas,
    ...(autoscaling ? { autoscaling } : {}),
    gpus: simulated ? undefined : gpus,
    memory: resources?.memory,
    cpu: resources?.cpu,
    tensor,
    data,
    args: [...(base.args ?? []), ...(pool === base ? [] : (pool.args ?? []))],
    env: pool === base ? [...(base.env ?? [])] : mergeEnv(base.env, pool.env),
    nodeSelector: base.nodeSelector || pool.nodeSelector ? { ...base.nodeSelector, ...(pool === base ? {} : pool.nodeSelector) } : undefined,
    tolerations: base.tolerations || pool.tolerations ? [...(base.tolerations ?? []), ...(pool === base ? [] : (pool.tolerations ?? []))] : undefined,
  };
}

/** The pools of an LLMDeployment, or the message of what makes it unservable. */
export function poolPlans(d: LLMDeploymentObject): PoolPlan[] | string {
  const { serving } = d.spec;
  const name = d.metadata.name;
  const base: PoolFields = serving;
  const plans =
    serving.mode === 'disaggregated' && serving.prefill && serving.decode
      ? [
          // A pool's own autoscaling replaces the serving-level one whole (no field-by-field merge).
          planPool(`${name}-prefill`, 'prefill', serving.prefill.replicas, serving.prefill.autoscaling ?? serving.autoscaling, serving.prefill.resources, base, serving.prefill, d.spec.simulated, 'spec.serving.prefill'),
          planPool(`${name}-decode`, 'decode', serving.decode.replicas, serving.decode.autoscaling ?? serving.autoscaling, serving.decode.resources, base, serving.decode, d.spec.simulated, 'spec.serving.decode'),
        ]
      : [planPool(name, 'unified', serving.replicas ?? 1, serving.autoscaling, d.spec.resources, base, base, d.spec.simulated, 'spec')];
  const broken = plans.find((p): p is string => typeof p === 'string');
  return broken ?? (plans as PoolPlan[]);
}

/** The role label llmd's scheduler reads: unified pods do both. */
export function schedulerRole(role: PoolRole): 'prefill' | 'decode' | 'both' {
  return role === 'unified' ? 'both' : role;
}
