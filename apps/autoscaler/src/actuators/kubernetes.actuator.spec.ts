import type { KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import type { ListWatchSource, WatchEvent, WatchHandle } from '@llmd/controller-kit';
import { KubernetesActuator } from './kubernetes.actuator';
import type { PodObject, ServingPoolObject } from './serving-pool-view';

/** The kit's list/watch seam over an in-memory list; the test pushes watch events. */
class MemorySource<T extends KubernetesObject> implements ListWatchSource<T> {
  private onEvent?: (e: WatchEvent) => void;
  constructor(private readonly items: T[]) {}
  async list(): Promise<{ items: T[]; resourceVersion: string }> {
    return { items: this.items, resourceVersion: '1' };
  }
  async watch(_rv: string, onEvent: (e: WatchEvent) => void): Promise<WatchHandle> {
    this.onEvent = onEvent;
    return { done: new Promise<void>(() => undefined), abort: () => undefined };
  }
  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void {
    this.onEvent?.({ type, object } as WatchEvent);
  }
}

const servingPool = (name: string, autoscaling?: unknown): ServingPoolObject => ({
  apiVersion: 'llm-d.io/v1alpha1', kind: 'ServingPool', metadata: { namespace: 'prod', name, resourceVersion: '1' },
  spec: { role: 'decode', model: 'llama', replicas: 2, ...(autoscaling ? { autoscaling } : {}) },
});

const pod = (name: string, ready: boolean, rv: string): PodObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { namespace: 'prod', name, resourceVersion: rv, labels: { 'llm-d.io/pool': 'decode' }, creationTimestamp: '2026-01-01T00:00:00Z' as unknown as Date },
  status: { phase: ready ? 'Running' : 'Pending', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:45Z' }] },
});

describe('KubernetesActuator', () => {
  it('lists the autoscaled ServingPools with their pods, and each pod\'s start-up once, after it turns Ready', async () => {
    const pools = new MemorySource<ServingPoolObject>([servingPool('decode', { maxReplicas: 4 }), servingPool('static')]);
    const pods = new MemorySource<PodObject>([pod('decode-a', true, '1'), pod('decode-b', false, '1')]);
    const actuator = new KubernetesActuator({ logger: pino({ enabled: false }), sources: { pools, pods } });
    expect(actuator.ready()).toBe(false);
    await actuator.start();
    expect(actuator.ready()).toBe(true);

    expect(await actuator.pools()).toEqual([expect.objectContaining({ name: 'decode', specReplicas: 2, readyReplicas: 1, startingReplicas: 1, endpointIds: ['prod/decode-a', 'prod/decode-b'], startupSeconds: [] })]);
    pods.emit('MODIFIED', pod('decode-b', true, '2'));
    expect((await actuator.pools())[0]).toMatchObject({ readyReplicas: 2, startingReplicas: 0, startupSeconds: [45] });
    expect((await actuator.pools())[0]).toMatchObject({ startupSeconds: [] });
    await actuator.stop();
  });

  it('cannot scale without a cluster', async () => {
    const actuator = new KubernetesActuator({ logger: pino({ enabled: false }), sources: { pools: new MemorySource([]), pods: new MemorySource([]) } });
    await expect(actuator.scale({ namespace: 'prod', name: 'decode' }, 3)).rejects.toThrow(/no cluster/);
  });
});
