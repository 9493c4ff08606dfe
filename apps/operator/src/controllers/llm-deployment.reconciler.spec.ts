import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import { parse } from 'yaml';
import { FIELD_MANAGER } from '@llmd/controller-kit';
import type { LLMDeploymentSpec, LLMDeploymentStatus } from '@llmd/crd-types';
import { RecordingCluster, StaticStore } from '../testing/fakes';
import { llmDeploymentReconciler } from './llm-deployment.reconciler';
import { CLEANUP_FINALIZER, ReconcileContext } from './reconcile-context';


const NS = 'llm';
const example = (file: string): KubernetesObject & { spec: LLMDeploymentSpec; status?: LLMDeploymentStatus } => {
  const doc = parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'deploy', 'examples', file), 'utf8'));
  return { ...doc, metadata: { ...doc.metadata, namespace: NS, uid: 'uid-1', generation: 1, finalizers: [CLEANUP_FINALIZER] } };
};
const images = { vllm: 'vllm:1', vllmSim: 'sim:1', gateway: 'gw:1', scheduler: 'sched:1', cacheManager: 'cm:1' };

function setup(objects: KubernetesObject[], inferencePoolInstalled = false) {
  const cluster = new RecordingCluster();
  const ctx: ReconcileContext = {
    store: new StaticStore(objects),
    cluster,
    render: (namespace) => ({ namespace, images, inferencePoolInstalled }),
    now: () => new Date('2026-01-01T00:00:00Z'),
    logger: pino({ level: 'silent' }),
  };
  return { cluster, reconcile: () => llmDeploymentReconciler(ctx)({ namespace: NS, name: objects[0].metadata?.name ?? '' }) };
}

/** A pool as the operator would have created it for `owner`, at `declared` replicas. */
function existingPool(name: string, role: string, declared: number, owner = 'uid-1', managedFields: unknown[] = []): KubernetesObject {
  return {
    apiVersion: 'llm-d.io/v1alpha1',
    kind: 'ServingPool',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      generation: 1,
      annotations: { 'llm-d.io/declared-replicas': String(declared) },
      ownerReferences: [{ apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', name: 'x', uid: owner, controller: true }],
      managedFields: managedFields as never,
    },
    spec: { deployment: 'llama-deployment', role, model: 'meta-llama/Llama-2-7b-hf', replicas: declared, template: {} },
  } as KubernetesObject;
}

const applied = (cluster: RecordingCluster) => cluster.ops('apply').map((w) => (w.op === 'apply' ? w.obj : undefined)) as (KubernetesObject & { spec?: Record<string, unknown> })[];
const lastStatus = (cluster: RecordingCluster) => {
  const w = cluster.ops('status').pop();
  return (w?.op === 'status' ? (w.obj as { status: { conditions: { type: string; status: string; reason: string; message: string }[] } }).status : undefined)!;
};
const cond = (cluster: RecordingCluster, type: string) => lastStatus(cluster).conditions.find((c) => c.type === type);

describe('LLMDeployment reconciler', () => {
  it('a new unified deployment: finalizer, a pool at the declared replicas and a Service; the missing InferencePool CRD is a condition', async () => {
    const d = example('llama-deployment.yaml');
    d.metadata!.finalizers = [];
    const { cluster, reconcile } = setup([d]);
    await reconcile();
    expect(cluster.ops('addFinalizer')).toEqual([{ op: 'addFinalizer', name: 'llama-deployment', finalizer: CLEANUP_FINALIZER }]);
    expect(applied(cluster).map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['ServingPool/llama-deployment', 'Service/llama-deployment']);
    expect(applied(cluster)[0].spec?.replicas).toBe(3);
    expect(cluster.ops('scale')).toEqual([]);
    expect(cond(cluster, 'Degraded')).toMatchObject({ status: 'True', reason: 'InferencePoolCRDMissing' });
    expect(cond(cluster, 'Ready')).toMatchObject({ status: 'False' });
  });

  it('a changed declared number is written through /scale before the pool apply, which carries no replicas', async () => {
    const d = example('llama-deployment.yaml');
    d.spec.serving.replicas = 4;
    const { cluster, reconcile } = setup([d, existingPool('llama-deployment', 'unified', 3)]);
    await reconcile();
    const order = cluster.writes.map((w) => w.op);
    expect(cluster.ops('scale')).toEqual([{ op: 'scale', name: 'llama-deployment', replicas: 4 }]);
    expect(order.indexOf('scale')).toBeLessThan(order.indexOf('apply'));
    expect(applied(cluster)[0].spec).not.toHaveProperty('replicas');
  });

  it('an unchanged declaration leaves the pool replicas to the autoscaler', async () => {
    const { cluster, reconcile } = setup([example('llama-deployment.yaml'), existingPool('llama-deployment', 'unified', 3)]);
    await reconcile();
    expect(cluster.ops('scale')).toEqual([]);
    expect(applied(cluster)[0].spec).not.toHaveProperty('replicas');
  });

  it('an autoscaled pool is created at its declared size clamped to its bounds, with its autoscaling', async () => {
    const d = example('llama-autoscaled.yaml');
    d.spec.serving.decode!.replicas = 12;
    const { cluster, reconcile } = setup([d]);
    await reconcile();
    const pools = applied(cluster).filter((o) => o.kind === 'ServingPool');
    expect(pools.map((p) => [p.metadata?.name, p.spec?.replicas, (p.spec?.autoscaling as { policy: string }).policy])).toEqual([
      ['llama-autoscaled-prefill', 1, 'slo'],
      ['llama-autoscaled-decode', 8, 'predictive'],
    ]);
    expect(cluster.ops('scale')).toEqual([]);
  });

  it('an autoscaled pool is never scaled by the operator, whatever the declaration says', async () => {
    const d = example('llama-autoscaled.yaml');
    d.spec.serving.decode!.replicas = 5;
    const autoscaled = (name: string, role: string) => {
      const p = existingPool(name, role, 3);
      p.metadata!.annotations = { 'llm-d.io/declared-replicas': 'autoscaled' };
      return p;
    };
    const { cluster, reconcile } = setup([d, autoscaled('llama-autoscaled-prefill', 'prefill'), autoscaled('llama-autoscaled-decode', 'decode')]);
    await reconcile();
    expect(cluster.ops('scale')).toEqual([]);
    expect(applied(cluster).filter((o) => o.kind === 'ServingPool').map((p) => p.spec)).not.toContainEqual(expect.objectContaining({ replicas: expect.anything() }));
  });

  it('hands spec.replicas over when the operator apply is its only manager (killed right after the create)', async () => {
    const fields = [{ manager: FIELD_MANAGER, operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
    const { cluster, reconcile } = setup([example('llama-deployment.yaml'), existingPool('llama-deployment', 'unified', 3, 'uid-1', fields)]);
    await reconcile();
    const order = cluster.writes.map((w) => w.op);
    expect(cluster.ops('handOver')).toEqual([{ op: 'handOver', name: 'llama-deployment', replicas: 3 }]);
    expect(order.indexOf('handOver')).toBeLessThan(order.indexOf('apply'));
  });

  it('unified -> disaggregated: the prefill and decode pools are applied and the unified pool pruned', async () => {
    const d = example('llama-disaggregated.yaml');
    d.metadata!.name = 'llama-deployment';
    const { cluster, reconcile } = setup([d, existingPool('llama-deployment', 'unified', 3), existingPool('someone-elses', 'unified', 1, 'uid-other')]);
    await reconcile();
    expect(applied(cluster).filter((o) => o.kind === 'ServingPool').map((o) => o.metadata?.name)).toEqual(['llama-deployment-prefill', 'llama-deployment-decode']);
    expect(cluster.ops('remove')).toEqual([{ op: 'remove', kind: 'ServingPool', name: 'llama-deployment', propagation: 'Foreground' }]);
  });

  it('a missing policy is a blocking condition: nothing applied, nothing pruned', async () => {
    const d = example('llama-deployment.yaml');
    d.spec.schedulingPolicyRef = { name: 'nope' };
    const { cluster, reconcile } = setup([d, existingPool('llama-deployment', 'unified', 3)]);
    await reconcile();
    expect(cluster.ops('apply')).toEqual([]);
    expect(cluster.ops('remove')).toEqual([]);
    expect(cond(cluster, 'Ready')).toMatchObject({ status: 'False', reason: 'PolicyNotFound', message: expect.stringContaining('nope') });
  });

  it('an invalid policy is named in the condition', async () => {
    const d = example('llama-deployment.yaml');
    d.spec.schedulingPolicyRef = { name: 'broken' };
    const policy = { apiVersion: 'llm-d.io/v1alpha1', kind: 'SchedulingPolicy', metadata: { name: 'broken', namespace: NS }, spec: { strategy: 'fastest-please' } };
    const { cluster, reconcile } = setup([d, policy as KubernetesObject]);
    await reconcile();
    expect(cond(cluster, 'Ready')?.message).toMatch(/SchedulingPolicy broken is invalid: spec.strategy/);
  });

  it('a spec the schema refuses: Ready=False InvalidSpec naming the field, no finalizer, nothing applied', async () => {
    const d = example('llama-deployment.yaml');
    d.metadata!.finalizers = [];
    d.spec.serving.replicas = -1;
    const { cluster, reconcile } = setup([d]);
    await reconcile();
    expect(cluster.writes.map((w) => w.op)).toEqual(['status']);
    expect(cond(cluster, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('spec.serving.replicas') });
    expect(cond(cluster, 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(lastStatus(cluster)).toMatchObject({ observedGeneration: 1 });
  });

  it('an unchanged status is not written again', async () => {
    const first = setup([example('llama-deployment.yaml'), existingPool('llama-deployment', 'unified', 3)]);
    await first.reconcile();
    const d = { ...example('llama-deployment.yaml'), status: lastStatus(first.cluster) };
    const again = setup([d, existingPool('llama-deployment', 'unified', 3)]);
    await again.reconcile();
    expect(again.cluster.ops('status')).toEqual([]);
  });

  it('deletion: children deleted in the foreground, the finalizer kept until they are gone', async () => {
    const d = { ...example('llama-deployment.yaml'), metadata: { ...example('llama-deployment.yaml').metadata, deletionTimestamp: new Date() } };
    const { cluster, reconcile } = setup([d, existingPool('llama-deployment', 'unified', 3)]);
    expect(await reconcile()).toEqual({ requeueAfterMs: expect.any(Number) });
    expect(cluster.writes).toEqual([{ op: 'remove', kind: 'ServingPool', name: 'llama-deployment', propagation: 'Foreground' }]);

    const gone = setup([d]);
    await gone.reconcile();
    expect(gone.cluster.writes).toEqual([{ op: 'removeFinalizer', name: 'llama-deployment', finalizer: CLEANUP_FINALIZER }]);
  });
});
