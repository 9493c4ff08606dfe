import { cachePlan, poolPlans, resolveGpus, schedulerRole } from './pool-plan';
import { cachePolicy, llmDeployment } from './testing/fixtures';

describe('resolveGpus: both ways the brief writes gpu', () => {
  it.each([
    [{ gpu: 'nvidia.com/gpu', count: 1 }, { resource: 'nvidia.com/gpu', count: 1 }],
    [{ gpu: 'nvidia.com/gpu' }, { resource: 'nvidia.com/gpu', count: 1 }],
    [{ gpu: 'amd.com/gpu', count: 4 }, { resource: 'amd.com/gpu', count: 4 }],
    [{ gpu: 2 }, { resource: 'nvidia.com/gpu', count: 2 }],
    [{ count: 3 }, { resource: 'nvidia.com/gpu', count: 3 }],
    [{ memory: '40Gi' }, undefined],
    [undefined, undefined],
  ])('%j -> %j', (resources, want) => {
    expect(resolveGpus(resources as never)).toEqual(want);
  });
});

describe('poolPlans: GPUs and parallelism agree', () => {
  const d = (spec: Record<string, unknown>) => llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, ...spec } });
  it.each([
    ['gpu: 2, no parallelism -> TP 2', { resources: { gpu: 2 } }, { tensor: 2, data: 1, gpus: { resource: 'nvidia.com/gpu', count: 2 } }],
    ['no gpu, TP 2 x DP 2 -> 4 GPUs', { serving: { parallelism: { tensor: 2, data: 2 } } }, { tensor: 2, data: 2, gpus: { resource: 'nvidia.com/gpu', count: 4 } }],
    ['nothing -> 1 GPU, TP 1', {}, { tensor: 1, data: 1, gpus: { resource: 'nvidia.com/gpu', count: 1 } }],
    ['gpu name + count 4, TP 4', { resources: { gpu: 'nvidia.com/gpu', count: 4 }, serving: { parallelism: { tensor: 4, data: 1 } } }, { tensor: 4, data: 1, gpus: { resource: 'nvidia.com/gpu', count: 4 } }],
    ['simulated: no GPUs requested', { simulated: true, resources: { gpu: 2 } }, { tensor: 2, data: 1, gpus: undefined }],
  ])('%s', (_, spec, want) => {
    const plans = poolPlans(d(spec));
    expect(plans).not.toEqual(expect.any(String));
    expect((plans as { tensor: number; data: number; gpus: unknown }[])[0]).toMatchObject(want);
  });

  it.each([
    ['count disagrees with tensor x data', { resources: { gpu: 'nvidia.com/gpu', count: 2 }, serving: { parallelism: { tensor: 4, data: 1 } } }, /spec.resources.gpu: 2 GPUs per pod, but parallelism tensor 4 x data 1 needs 4/],
    ['zero GPUs on real vLLM', { resources: { gpu: 0 } }, /spec.resources.gpu: vLLM needs at least one GPU/],
    ['a disaggregated pool', { serving: { mode: 'disaggregated', prefill: { replicas: 1, resources: { gpu: 1 }, parallelism: { tensor: 2, data: 1 } }, decode: { replicas: 1 } } }, /spec.serving.prefill.resources.gpu/],
  ])('invalid: %s', (_, spec, message) => {
    expect(poolPlans(d(spec))).toMatch(message);
  });

  it('disaggregated pools take the serving-level fields as a base and their own over them', () => {
    const plans = poolPlans(
      d({
        serving: {
          mode: 'disaggregated',
          args: ['--enforce-eager'],
          env: [{ name: 'A', value: '1' }, { name: 'B', value: '1' }],
          nodeSelector: { zone: 'a' },
          prefill: { replicas: 2, args: ['--max-num-seqs', '8'], env: [{ name: 'B', value: '2' }], nodeSelector: { gpu: 'h100' } },
          decode: { replicas: 6 },
        },
      }),
    );
    expect(plans).toEqual([
      expect.objectContaining({ name: 'm-prefill', role: 'prefill', replicas: 2, args: ['--enforce-eager', '--max-num-seqs', '8'], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], nodeSelector: { zone: 'a', gpu: 'h100' } }),
      expect.objectContaining({ name: 'm-decode', role: 'decode', replicas: 6, args: ['--enforce-eager'], nodeSelector: { zone: 'a' } }),
    ]);
  });

  it.each([
    ['unified', 'both'],
    ['prefill', 'prefill'],
    ['decode', 'decode'],
  ] as const)('role %s is labelled %s for the scheduler', (role, label) => {
    expect(schedulerRole(role)).toBe(label);
  });
});

describe('cachePlan: the deployment over its CachePolicy over the defaults', () => {
  const d = (cache?: Record<string, unknown>) => llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, ...(cache ? { cache } : {}) } });
  const policy = cachePolicy({ metadata: { name: 'p' }, spec: { blockSize: 64, hashAlgorithm: 'sha256', prefixDeduplication: false, tiers: [{ type: 'cpu', size: '10Gi' }], kvEvents: { port: 6000 } } });
  it.each([
    ['defaults', d(), undefined, { blockSize: 16, hashAlgorithm: 'sha256_cbor', prefixCaching: true, tiers: [], kvEvents: { enabled: true, port: 5557 } }],
    ['policy', d(), policy, { blockSize: 64, hashAlgorithm: 'sha256', prefixCaching: false, tiers: [{ type: 'cpu', size: '10Gi' }], kvEvents: { enabled: true, port: 6000 } }],
    ['deployment over policy', d({ blockSize: 32, tiers: [{ type: 'gpu', size: '20Gi' }] }), policy, { blockSize: 32, tiers: [{ type: 'gpu', size: '20Gi' }] }],
  ])('%s', (_, dep, pol, want) => {
    expect(cachePlan(dep, pol)).toMatchObject(want);
  });
});
