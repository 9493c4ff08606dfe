import { PodObject, podStartupSeconds, servingPoolView, ServingPoolObject } from './serving-pool-view';

const pool = (over: Partial<NonNullable<ServingPoolObject['spec']>> = {}): ServingPoolObject => ({
  apiVersion: 'llm-d.io/v1alpha1',
  kind: 'ServingPool',
  metadata: { namespace: 'prod', name: 'llama-decode' },
  spec: { role: 'decode', model: 'llama', replicas: 3, autoscaling: { maxReplicas: 6 }, ...over },
});

type PodState = 'ready' | 'starting' | 'terminating' | 'failed';
const pod = (name: string, state: PodState, labels: Record<string, string> = { 'llm-d.io/pool': 'llama-decode' }, namespace = 'prod'): PodObject => ({
  metadata: { namespace, name, labels, creationTimestamp: '2026-01-01T00:00:00Z' as unknown as Date, ...(state === 'terminating' ? { deletionTimestamp: '2026-01-01T00:05:00Z' as unknown as Date } : {}) },
  status: {
    phase: state === 'failed' ? 'Failed' : 'Running',
    conditions: [{ type: 'Ready', status: state === 'ready' || state === 'terminating' ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:01:30Z' }],
  },
});

describe('servingPoolView', () => {
  it('counts ready and starting pods of its label and namespace; terminating and failed ones neither start nor serve', () => {
    const pods = [pod('a', 'ready'), pod('b', 'ready'), pod('c', 'starting'), pod('d', 'terminating'), pod('e', 'failed'), pod('x', 'ready', { 'llm-d.io/pool': 'other' }), pod('y', 'ready', undefined, 'staging')];
    expect(servingPoolView(pool(), pods, [90])).toMatchObject({
      namespace: 'prod', name: 'llama-decode', model: 'llama', role: 'decode',
      specReplicas: 3, readyReplicas: 3, startingReplicas: 1,
      endpointIds: ['prod/a', 'prod/b', 'prod/c'],
      startupSeconds: [90],
      autoscaling: expect.objectContaining({ policy: 'saturation', minReplicas: 1, maxReplicas: 6 }),
    });
  });

  it.each<[string, Partial<NonNullable<ServingPoolObject['spec']>>, RegExp]>([
    ['a missing maxReplicas', { autoscaling: { policy: 'saturation' } }, /^spec\.autoscaling\.maxReplicas: /],
    ['bounds the wrong way round', { autoscaling: { minReplicas: 5, maxReplicas: 2 } }, /minReplicas must not exceed maxReplicas/],
    ['an unknown policy', { autoscaling: { policy: 'magic', maxReplicas: 2 } }, /^spec\.autoscaling\.policy: /],
    ['an unknown role', { role: 'both' }, /^spec\.role: /],
  ])('marks %s invalid, naming the field', (_name, over, expected) => {
    expect(servingPoolView(pool(over), [])).toHaveProperty('invalid', expect.stringMatching(expected));
  });

  it('labels the gauges with spec.autoscaling.acceleratorType, else the GPU model the pods select', () => {
    const h100 = { ...pod('a', 'ready'), spec: { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } } };
    expect(servingPoolView(pool(), [h100])).toHaveProperty('acceleratorType', 'NVIDIA-H100-80GB-HBM3');
    expect(servingPoolView(pool({ autoscaling: { maxReplicas: 2, acceleratorType: 'H100' } }), [h100])).toHaveProperty('acceleratorType', 'H100');
    expect(servingPoolView(pool(), [pod('a', 'ready')])).toHaveProperty('acceleratorType', undefined);
  });

  it('times a pod from creation to Ready', () => {
    expect(podStartupSeconds(pod('a', 'ready'))).toBe(90);
    expect(podStartupSeconds({ metadata: {}, status: {} })).toBeUndefined();
  });
});
