// The cluster's actuator: informers over llm-d.io/v1alpha1 ServingPools (those with spec.autoscaling)
// and the pods labelled llm-d.io/pool; writes only the pools' /scale subresource, as field manager
// llmd-autoscaler. Pods that turn Ready are timed (creation to Ready) for the policies' start-up lead.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Informer, kubeRequest, ListWatchSource, objectPath, ResourceRef } from '@llmd/controller-kit';
import { GROUP, VERSION } from '@llmd/crd-types';
import { Actuator, ListedPool, PoolRef, poolKey } from './actuator';
import { hasAutoscaling, isPodReady, PodObject, POOL_LABEL, podStartupSeconds, servingPoolView, ServingPoolObject } from './serving-pool-view';

export const AUTOSCALER_FIELD_MANAGER = 'llmd-autoscaler';

export const SERVING_POOLS: ResourceRef = { group: GROUP, version: VERSION, plural: 'servingpools', kind: 'ServingPool', namespaced: true };
export const PODS: ResourceRef = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };

export interface KubernetesActuatorOptions {
  /** The cluster; absent only when `sources` replace it (tests), and then nothing can be scaled. */
  kc?: KubeConfig;
  /** Watch one namespace; undefined: all. */
  namespace?: string;
  logger: Logger;
  /** Replace the apiserver's lists and watches (tests). */
  sources?: { pools: ListWatchSource<ServingPoolObject>; pods: ListWatchSource<PodObject> };
}

export class KubernetesActuator implements Actuator {
  readonly kind = 'kubernetes' as const;
  private readonly pools$: Informer<ServingPoolObject>;
  private readonly pods$: Informer<PodObject>;
  /** Start-up times of pods that became ready since the last pools(), by pool key. */
  private readonly startups = new Map<string, number[]>();

  constructor(private readonly opts: KubernetesActuatorOptions) {
    const { kc, namespace, logger, sources } = opts;
    this.pools$ = new Informer<ServingPoolObject>(kc, SERVING_POOLS, { namespace, logger, source: sources?.pools });
    this.pods$ = new Informer<PodObject>(kc, PODS, { namespace, labelSelector: POOL_LABEL, logger, source: sources?.pods });
    this.pods$.on((type, pod, old) => {
      if (type !== 'update' || !old || isPodReady(old) || !isPodReady(pod)) return;
      const seconds = podStartupSeconds(pod);
      const pool = pod.metadata?.labels?.[POOL_LABEL];
      if (seconds === undefined || !pool) return;
      const key = poolKey({ namespace: pod.metadata?.namespace ?? '', name: pool });
      this.startups.set(key, [...(this.startups.get(key) ?? []), seconds]);
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.pools$.start(), this.pods$.start()]);
  }

  async stop(): Promise<void> {
    this.pools$.stop();
    this.pods$.stop();
  }

  ready(): boolean {
    return this.pools$.synced && this.pods$.synced;
  }

  async pools(): Promise<ListedPool[]> {
    const pods = this.pods$.list();
    const listed: ListedPool[] = [];
    for (const pool of this.pools$.list()) {
      if (!hasAutoscaling(pool)) continue;
      const key = poolKey({ namespace: pool.metadata?.namespace ?? '', name: pool.metadata?.name ?? '' });
      listed.push(servingPoolView(pool, pods, this.startups.get(key) ?? []));
      this.startups.delete(key);
    }
    return listed;
  }

  /** PATCH .../servingpools/<name>/scale {spec:{replicas}}: the one field this app ever writes. */
  async scale(pool: PoolRef, replicas: number): Promise<void> {
    if (!this.opts.kc) throw new Error('no cluster to scale in');
    await kubeRequest(this.opts.kc, 'PATCH', objectPath(SERVING_POOLS, pool.namespace, pool.name, 'scale'), { spec: { replicas } }, {
      contentType: 'application/merge-patch+json',
      query: { fieldManager: AUTOSCALER_FIELD_MANAGER },
    });
  }
}
