import type { KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import { RecordingCluster, StaticStore } from '../testing/fakes';
import type { ReconcileContext } from './reconcile-context';
import type { ServingPoolStatus } from '@llmd/crd-types';
import { servingPoolReconciler } from './serving-pool.reconciler';


const NS = 'llm';
const pool = (extra: Partial<NonNullable<KubernetesObject['metadata']>> = {}, spec: Record<string, unknown> = {}): KubernetesObject =>
  ({
    apiVersion: 'llm-d.io/v1alpha1',
    kind: 'ServingPool',
    metadata: { name: 'p', namespace: NS, uid: 'uid-p', generation: 2, ...extra },
    spec: { deployment: 'd', role: 'decode', model: 'm', replicas: 2, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'vllm', image: 'x' }] } }, ...spec },
  }) as KubernetesObject;
const deployment = (status: Record<string, number>, owner = 'uid-p'): KubernetesObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'p', namespace: NS, generation: 5, ownerReferences: [{ apiVersion: 'llm-d.io/v1alpha1', kind: 'ServingPool', name: 'p', uid: owner, controller: true }] },
    spec: { replicas: 2 },
    status: { observedGeneration: 5, ...status },
  }) as KubernetesObject;

async function run(objects: KubernetesObject[]) {
  const cluster = new RecordingCluster();
  const ctx: ReconcileContext = { store: new StaticStore(objects), cluster, render: (namespace) => ({ namespace, images: { vllm: '', vllmSim: '', gateway: '', scheduler: '', cacheManager: '' }, inferencePoolInstalled: false }), now: () => new Date(0), logger: pino({ level: 'silent' }) };
  await servingPoolReconciler(ctx)({ namespace: NS, name: 'p' });
  const status = cluster.ops('status').map((w) => (w.op === 'status' ? (w.obj as { status: ServingPoolStatus }).status : undefined))[0];
  return { cluster, status: status as ServingPoolStatus };
}

describe('ServingPool reconciler', () => {
  it('applies the Deployment of the same name at the pool replicas', async () => {
    const { cluster } = await run([pool()]);
    const [w] = cluster.ops('apply');
    expect(w.op === 'apply' && w.obj).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'p', namespace: NS }, spec: { replicas: 2 } });
  });

  it.each([
    ['no Deployment yet', [], { replicas: 0, readyReplicas: 0 }, 'False'],
    ['pods starting', [deployment({ replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 })], { replicas: 2, readyReplicas: 1, updatedReplicas: 2 }, 'False'],
    ['all ready', [deployment({ replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 })], { replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 'True'],
    ['a Deployment it does not own is not its status', [deployment({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 }, 'uid-other')], { replicas: 0 }, 'False'],
  ])('status: %s', async (_case, observed, counts, ready) => {
    const { status } = await run([pool(), ...observed]);
    expect(status).toMatchObject({ observedGeneration: 2, selector: expect.stringContaining('p'), ...counts });
    expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe(ready);
  });

  it('a pool being deleted is left to the garbage collector', async () => {
    const { cluster } = await run([pool({ deletionTimestamp: new Date() })]);
    expect(cluster.writes).toEqual([]);
  });
});
