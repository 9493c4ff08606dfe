// Pure: what the autoscaler needs of a ServingPool and its pods (label llm-d.io/pool=<name>): replicas,
// ready and starting pods, endpoint ids, and its autoscaling spec parsed (or why it does not parse).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { PoolRole } from '@llmd/autoscaling';
import type { ListedPool } from './actuator';
import { parseAutoscaling } from './spec-issues';

export const POOL_LABEL = 'llm-d.io/pool';

export interface PodObject extends KubernetesObject {
  spec?: { nodeName?: string; nodeSelector?: Record<string, string> };
  status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

export interface ServingPoolObject extends KubernetesObject {
  spec?: { role?: string; model?: string; replicas?: number; autoscaling?: unknown };
}

const ROLES: readonly PoolRole[] = ['unified', 'prefill', 'decode'];

/** Node labels that name a GPU model, as pods select them (no node reads: no RBAC on nodes needed). */
export const ACCELERATOR_NODE_LABELS = ['nvidia.com/gpu.product', 'cloud.google.com/gke-accelerator', 'amd.com/gpu.product'];

/** The GPU model the pool's pods select, when they name one. */
export function podsAccelerator(pods: readonly PodObject[]): string | undefined {
  for (const pod of pods) {
    for (const label of ACCELERATOR_NODE_LABELS) {
      const value = pod.spec?.nodeSelector?.[label];
      if (value) return value;
    }
  }
  return undefined;
}

export function readyCondition(pod: PodObject): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export const isPodReady = (pod: PodObject): boolean => readyCondition(pod)?.status === 'True';

const isTerminating = (pod: PodObject): boolean => Boolean(pod.metadata?.deletionTimestamp) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Seconds from creation to Ready of a pod that is ready; undefined when the times are not there. */
export function podStartupSeconds(pod: PodObject): number | undefined {
  const created = Date.parse(String(pod.metadata?.creationTimestamp ?? ''));
  const ready = Date.parse(readyCondition(pod)?.lastTransitionTime ?? '');
  if (!Number.isFinite(created) || !Number.isFinite(ready) || ready < created) return undefined;
  return (ready - created) / 1000;
}

/** The endpoint id the scheduler gives a pod (its load records carry it): namespace/name. */
export const podEndpointId = (pod: PodObject): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

export function hasAutoscaling(pool: ServingPoolObject): boolean {
  return pool.spec?.autoscaling !== undefined && pool.spec.autoscaling !== null;
}

/** One ServingPool with spec.autoscaling and its pods, as the loop sees it. */
export function servingPoolView(pool: ServingPoolObject, pods: readonly PodObject[], startupSeconds: number[] = []): ListedPool {
  const namespace = pool.metadata?.namespace ?? '';
  const name = pool.metadata?.name ?? '';
  const mine = pods.filter((p) => p.metadata?.labels?.[POOL_LABEL] === name && (p.metadata?.namespace ?? '') === namespace);
  const ready = mine.filter(isPodReady);
  const starting = mine.filter((p) => !isPodReady(p) && !isTerminating(p));
  const role = ROLES.find((r) => r === pool.spec?.role);
  const common = {
    namespace,
    name,
    model: pool.spec?.model ?? '',
    role: role ?? 'unified',
    specReplicas: pool.spec?.replicas ?? 0,
    readyReplicas: ready.length,
    startingReplicas: starting.length,
    endpointIds: mine.filter((p) => !isTerminating(p)).map(podEndpointId).sort(),
  };
  if (!role) return { ...common, invalid: `spec.role: expected unified, prefill or decode, got ${JSON.stringify(pool.spec?.role)}` };
  const spec = parseAutoscaling(pool.spec?.autoscaling, 'spec.autoscaling');
  if ('invalid' in spec) return { ...common, invalid: spec.invalid };
  return { ...common, autoscaling: spec.spec, startupSeconds, acceleratorType: spec.spec.acceleratorType ?? podsAccelerator(mine) };
}
