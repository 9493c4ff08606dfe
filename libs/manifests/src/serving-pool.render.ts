// ServingPool -> the apps/v1 Deployment of the same name running its template. The selector is the
// pool label alone (immutable in a Deployment, never changes for a pool); the rollout is sized for
// GPUs: no surge (a surge pod needs a free GPU node and would sit Pending), one pod at a time for
// decode and unified pools (in-flight streams), a quarter at a time for prefill (short requests).
import { DEPLOYMENT_LABEL, MANAGED_BY, ownerRef, POOL_LABEL, PART_OF } from './meta';
import type { Obj, ServingPoolObject } from './types';

type Json = Obj[string];

function requestsGpu(template: Json): boolean {
  const containers = ((template as { spec?: { containers?: { resources?: { requests?: Record<string, string> } }[] } }).spec?.containers ?? []);
  return containers.some((c) => Object.keys(c.resources?.requests ?? {}).some((k) => k !== 'cpu' && k !== 'memory' && k !== 'ephemeral-storage' && k.includes('/')));
}

/** The Deployment selector of a pool. */
export function poolSelector(pool: ServingPoolObject): Record<string, string> {
  return { [POOL_LABEL]: pool.metadata.name };
}

export function rolloutStrategy(role: 'unified' | 'prefill' | 'decode', gpu: boolean): Json {
  // Pods without GPUs (simulated) can surge: a new pod first, then an old one goes.
  if (!gpu) return { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  return { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: role === 'prefill' ? '25%' : 1 } };
}

export function desiredServingPool(pool: ServingPoolObject): Obj {
  const template = (pool.spec.template ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Json };
  const selector = poolSelector(pool);
  const gpu = requestsGpu(template);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: pool.metadata.name,
      namespace: pool.metadata.namespace,
      labels: {
        ...(pool.metadata.labels ?? {}),
        'app.kubernetes.io/managed-by': MANAGED_BY,
        'app.kubernetes.io/part-of': PART_OF,
        [DEPLOYMENT_LABEL]: pool.spec.deployment,
        [POOL_LABEL]: pool.metadata.name,
      },
      ownerReferences: [ownerRef(pool)],
    },
    spec: {
      replicas: pool.spec.replicas,
      selector: { matchLabels: selector },
      strategy: rolloutStrategy(pool.spec.role, gpu),
      // Model download and load can take long: do not call a slow start a failed rollout.
      progressDeadlineSeconds: gpu ? 3600 : 600,
      revisionHistoryLimit: 5,
      template: {
        ...template,
        metadata: { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), ...selector } },
      },
    },
  };
}
