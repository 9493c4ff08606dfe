import { DECLARED_REPLICAS_ANNOTATION } from './meta';
import { AUTOSCALED_DECLARATION, desiredLLMDeployment, replicaOwnership } from './llm-deployment.render';
import { CTX, cachePolicy, inferenceGateway, llmDeployment, servingPool } from './testing/fixtures';
import type { Obj, ServingPoolObject } from './types';

const unified = () => llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, serving: { replicas: 3 } } });
const pool = (name: string, replicas: number, declared?: string): ServingPoolObject =>
  servingPool({
    metadata: { name, ...(declared !== undefined ? { annotations: { [DECLARED_REPLICAS_ANNOTATION]: declared } } : {}) },
    spec: { deployment: 'm', role: 'unified', model: 'org/m', replicas, template: {} },
  });

describe('replica ownership', () => {
  it.each([
    ['a new pool is created at the declared size', 3, undefined, { specReplicas: 3 }],
    ['an existing pool, declaration unchanged: nothing (the autoscaler owns it)', 3, pool('m', 7, '3'), {}],
    ['an existing pool, declaration changed: scale once', 5, pool('m', 7, '3'), { scale: 5 }],
    ['an existing pool with no recorded declaration: scale to it', 3, pool('m', 7), { scale: 3 }],
  ])('%s', (_, declared, existing, want) => {
    expect(replicaOwnership(declared, existing)).toEqual(want);
  });

  const bounds = { minReplicas: 2, maxReplicas: 4 };
  it.each([
    ['a new autoscaled pool is created at the declared size', 3, undefined, { specReplicas: 3 }],
    ['a new autoscaled pool declared below its minimum starts at the minimum', 1, undefined, { specReplicas: 2 }],
    ['a new autoscaled pool declared above its maximum starts at the maximum', 9, undefined, { specReplicas: 4 }],
    ['an existing autoscaled pool, declaration changed: nothing (the autoscaler owns it)', 3, pool('m', 4, '2'), {}],
    ['an existing pool that just became autoscaled: nothing', 3, pool('m', 7, '3'), {}],
  ])('%s', (_, declared, existing, want) => {
    expect(replicaOwnership(declared, existing, bounds)).toEqual(want);
  });

  it('an autoscaled pool records no declared number; removing autoscaling writes the declaration once', () => {
    const scaled = llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, serving: { replicas: 3, autoscaling: { maxReplicas: 5 } } } });
    const first = desiredLLMDeployment(CTX, { deployment: scaled, existingPools: [] });
    const sp = first.objects.find((o) => o.kind === 'ServingPool') as Obj & { spec: Record<string, unknown> };
    expect(sp.metadata.annotations).toEqual({ [DECLARED_REPLICAS_ANNOTATION]: AUTOSCALED_DECLARATION });
    expect(sp.spec.autoscaling).toMatchObject({ policy: 'saturation', minReplicas: 1, maxReplicas: 5 });
    expect(desiredLLMDeployment(CTX, { deployment: scaled, existingPools: [pool('m', 5, AUTOSCALED_DECLARATION)] }).scale).toEqual([]);
    expect(desiredLLMDeployment(CTX, { deployment: unified(), existingPools: [pool('m', 5, AUTOSCALED_DECLARATION)] }).scale).toEqual([{ pool: 'm', replicas: 3 }]);
  });

  it('in disaggregated mode a pool\'s own autoscaling replaces the serving-level one whole', () => {
    const d = llmDeployment({
      metadata: { name: 'm' },
      spec: {
        model: { name: 'org/m' },
        simulated: true,
        serving: {
          mode: 'disaggregated',
          autoscaling: { maxReplicas: 6, saturation: { kvCacheThreshold: 0.7 } },
          prefill: { replicas: 1 },
          decode: { replicas: 2, autoscaling: { policy: 'slo', maxReplicas: 3, slo: { ttftMs: 400, itlMs: 40 } } },
        },
      },
    });
    const pools = desiredLLMDeployment(CTX, { deployment: d, existingPools: [] }).objects.filter((o) => o.kind === 'ServingPool') as (Obj & { spec: { autoscaling: Record<string, unknown> } })[];
    expect(pools.map((p) => [p.metadata.name, p.spec.autoscaling.policy, p.spec.autoscaling.maxReplicas, p.spec.autoscaling.saturation])).toEqual([
      ['m-prefill', 'saturation', 6, { kvCacheThreshold: 0.7, queueLengthThreshold: 5, kvSpareTrigger: 0.1, queueSpareTrigger: 3 }],
      ['m-decode', 'slo', 3, undefined],
    ]);
  });

  it('a pool without autoscaling carries none', () => {
    const sp = desiredLLMDeployment(CTX, { deployment: unified(), existingPools: [] }).objects[0] as Obj & { spec: Record<string, unknown> };
    expect(sp.spec).not.toHaveProperty('autoscaling');
  });

  it('an existing pool is rendered without spec.replicas, and the changed declaration becomes a scale entry', () => {
    const out = desiredLLMDeployment(CTX, { deployment: unified(), existingPools: [pool('m', 9, '2')] });
    const sp = out.objects.find((o) => o.kind === 'ServingPool') as Obj & { spec: Record<string, unknown> };
    expect(sp.spec).not.toHaveProperty('replicas');
    expect(sp.metadata.annotations).toEqual({ [DECLARED_REPLICAS_ANNOTATION]: '3' });
    expect(out.scale).toEqual([{ pool: 'm', replicas: 3 }]);
  });

  it('a new pool carries the declared size and no scale entry', () => {
    const out = desiredLLMDeployment(CTX, { deployment: unified(), existingPools: [] });
    expect((out.objects[0] as Obj & { spec: { replicas: number } }).spec.replicas).toBe(3);
    expect(out.scale).toEqual([]);
  });
});

describe('desiredLLMDeployment', () => {
  const gateway = inferenceGateway({ metadata: { name: 'gw' }, spec: { deployments: [{ name: 'm' }], failureMode: 'FailClose' } });

  it.each([
    ['CRD installed, gateway listing it: the InferencePool', true, gateway, ['ServingPool', 'Service', 'InferencePool'], []],
    ['CRD installed, no gateway: no InferencePool (nothing to pick endpoints)', true, undefined, ['ServingPool', 'Service'], []],
    ['CRD missing: a problem, the rest still rendered', false, gateway, ['ServingPool', 'Service'], ['InferencePoolCRDMissing']],
  ])('%s', (_, installed, gw, kinds, reasons) => {
    const out = desiredLLMDeployment({ ...CTX, inferencePoolInstalled: installed }, { deployment: unified(), gateway: gw, existingPools: [] });
    expect(out.objects.map((o) => o.kind)).toEqual(kinds);
    expect(out.problems.map((p) => p.reason)).toEqual(reasons);
  });

  it('the InferencePool selects every pod of the deployment and names the ext_proc port of the gateway scheduler with its failure mode', () => {
    const ip = desiredLLMDeployment(CTX, { deployment: unified(), gateway, existingPools: [] }).objects.find((o) => o.kind === 'InferencePool')!;
    expect(ip.spec).toEqual({
      selector: { matchLabels: { 'llm-d.io/deployment': 'm', 'app.kubernetes.io/component': 'model-server' } },
      targetPorts: [{ number: 8000 }],
      endpointPickerRef: { group: '', kind: 'Service', name: 'gw-scheduler', port: { number: 9004 }, failureMode: 'FailClose' },
    });
  });

  it.each([
    [1, [8000]],
    [4, [8000, 8001, 8002, 8003]],
    [8, [8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007]],
  ])('data parallel %i: one target port per rank', (data, ports) => {
    const d = llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, serving: { parallelism: { tensor: 1, data } } } });
    const out = desiredLLMDeployment(CTX, { deployment: d, gateway, existingPools: [] });
    expect((out.objects.find((o) => o.kind === 'InferencePool')!.spec as { targetPorts: { number: number }[] }).targetPorts.map((p) => p.number)).toEqual(ports);
    expect(out.problems).toEqual([]);
  });

  it('more ranks than the InferencePool takes: the first 8, and a problem', () => {
    const d = llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, serving: { parallelism: { tensor: 1, data: 10 } } } });
    const out = desiredLLMDeployment(CTX, { deployment: d, gateway, existingPools: [] });
    expect((out.objects.find((o) => o.kind === 'InferencePool')!.spec as { targetPorts: unknown[] }).targetPorts).toHaveLength(8);
    expect(out.problems.map((p) => p.reason)).toEqual(['TooManyTargetPorts']);
  });

  it.each([
    ['a missing CachePolicy', { cachePolicyRef: { name: 'nope' } }, 'PolicyNotFound', /CachePolicy nope \(spec.cachePolicyRef\) not found/],
    ['a missing SchedulingPolicy', { schedulingPolicyRef: { name: 'nope' } }, 'PolicyNotFound', /SchedulingPolicy nope/],
    ['GPUs that disagree with parallelism', { resources: { gpu: 1 }, serving: { parallelism: { tensor: 2, data: 1 } } }, 'InvalidSpec', /spec.resources.gpu/],
  ])('%s blocks the render (nothing to apply, a blocking problem)', (_, spec, reason, message) => {
    const d = llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, ...spec } });
    const out = desiredLLMDeployment(CTX, { deployment: d, existingPools: [] });
    expect(out.objects).toEqual([]);
    expect(out.problems).toEqual([{ reason, message: expect.stringMatching(message), blocking: true }]);
  });

  it.each([
    ['a name that cannot name a Service', '9lives', /metadata.name: 9lives must be a DNS-1035 label/],
    ['a name with dots', 'llama.v2', /DNS-1035/],
    ['a name too long for its pool labels', `m${'x'.repeat(55)}`, /is longer than 55 characters/],
  ])('invalid name: %s', (_, name, message) => {
    const d = llmDeployment({ metadata: { name }, spec: { model: { name: 'org/m' } } });
    expect(desiredLLMDeployment(CTX, { deployment: d, existingPools: [] }).problems).toEqual([{ reason: 'InvalidSpec', message: expect.stringMatching(message), blocking: true }]);
  });

  it.each([
    ['replay port inside the KV event ports of DP ranks', { serving: { parallelism: { tensor: 1, data: 2 } } }, { kvEvents: { port: 5557, replayPort: 5558 } }, /CachePolicy spec.kvEvents.replayPort: kvEvents.port \(5557-5558\) and kvEvents.replayPort \(5558-5559\) overlap in pool m/],
    ['KV events on the HTTP port', {}, { kvEvents: { port: 8000 } }, /kvEvents.port: the HTTP ports \(8000\) and kvEvents.port \(8000\) overlap/],
    ['KV events on the NIXL side channel (P/D)', { serving: { mode: 'disaggregated', prefill: { replicas: 1 }, decode: { replicas: 1 } } }, { kvEvents: { port: 5600 } }, /kvEvents.port.*NIXL side channel/],
  ])('port clash: %s', (_, spec, policy, message) => {
    const d = llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, cachePolicyRef: { name: 'p' }, ...spec } });
    const out = desiredLLMDeployment(CTX, { deployment: d, cachePolicy: cachePolicy({ metadata: { name: 'p' }, spec: policy }), existingPools: [] });
    expect(out.objects).toEqual([]);
    expect(out.problems).toEqual([{ reason: 'InvalidSpec', message: expect.stringMatching(message), blocking: true }]);
  });

  it('every object is owned by the LLMDeployment and labelled', () => {
    const out = desiredLLMDeployment(CTX, { deployment: unified(), gateway, existingPools: [] });
    for (const o of out.objects) {
      expect(o.metadata.ownerReferences).toEqual([{ apiVersion: 'llm-d.io/v1alpha1', kind: 'LLMDeployment', name: 'm', uid: 'uid-m', controller: true, blockOwnerDeletion: true }]);
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'llmd-operator', 'app.kubernetes.io/part-of': 'llmd', 'app.kubernetes.io/instance': 'm' });
    }
  });

  it('a CachePolicy change changes the pod template (and so rolls the pool)', () => {
    const template = (blockSize: number) => {
      const d = llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, cachePolicyRef: { name: 'p' } } });
      const cp = cachePolicy({ metadata: { name: 'p' }, spec: { blockSize } });
      return (desiredLLMDeployment(CTX, { deployment: d, cachePolicy: cp, existingPools: [] }).objects[0] as Obj & { spec: { template: unknown } }).spec.template;
    };
    expect(template(16)).not.toEqual(template(32));
  });
});
