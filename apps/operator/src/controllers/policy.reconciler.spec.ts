import type { KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import { RecordingCluster, StaticStore } from '../testing/fakes';
import { policyReconciler } from './policy.reconciler';
import type { ReconcileContext } from './reconcile-context';

const policy = (kind: string, spec: Record<string, unknown>, status?: unknown): KubernetesObject =>
  ({ apiVersion: 'llm-d.io/v1alpha1', kind, metadata: { name: 'p', namespace: 'llm', generation: 3 }, spec, ...(status ? { status } : {}) }) as KubernetesObject;

async function run(obj: KubernetesObject) {
  const cluster = new RecordingCluster();
  const ctx: ReconcileContext = { store: new StaticStore([obj]), cluster, render: () => { throw new Error('not used'); }, now: () => new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) };
  await policyReconciler(ctx, obj.kind as 'SchedulingPolicy' | 'CachePolicy')({ namespace: 'llm', name: 'p' });
  return cluster.ops('status').map((w) => (w.op === 'status' ? (w.obj as { status: unknown }).status : undefined));
}

describe('policy reconciler', () => {
  it.each([
    ['SchedulingPolicy', { strategy: 'cache-affinity' }, { status: 'True', reason: 'Valid' }],
    ['SchedulingPolicy', { strategy: 'cache-affinity', plugins: [] }, { status: 'False', reason: 'InvalidSpec', message: expect.stringMatching(/strategy|plugins/) }],
    ['CachePolicy', { blockSize: 16 }, { status: 'True', reason: 'Valid' }],
    ['CachePolicy', { blockSize: 0 }, { status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('spec.blockSize') }],
  ])('%s %p: Ready %p', async (kind, spec, ready) => {
    const [status] = await run(policy(kind, spec));
    expect(status).toEqual({ observedGeneration: 3, conditions: [expect.objectContaining({ type: 'Ready', observedGeneration: 3, ...ready })] });
  });

  it('writes nothing when the status already says it', async () => {
    const [status] = await run(policy('CachePolicy', { blockSize: 16 }));
    expect(await run(policy('CachePolicy', { blockSize: 16 }, status))).toEqual([]);
  });
});
