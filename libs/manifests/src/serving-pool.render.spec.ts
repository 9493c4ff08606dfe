import { desiredServingPool, rolloutStrategy } from './serving-pool.render';
import { desiredLLMDeployment } from './llm-deployment.render';
import { CTX, llmDeployment, servingPool } from './testing/fixtures';
import type { Obj } from './types';

describe('rollout strategy', () => {
  it.each([
    ['decode', true, { maxSurge: 0, maxUnavailable: 1 }],
    ['unified', true, { maxSurge: 0, maxUnavailable: 1 }],
    ['prefill', true, { maxSurge: 0, maxUnavailable: '25%' }],
    ['unified', false, { maxSurge: 1, maxUnavailable: 0 }],
    ['decode', false, { maxSurge: 1, maxUnavailable: 0 }],
  ] as const)('%s, GPUs %s', (role, gpu, rollingUpdate) => {
    expect(rolloutStrategy(role, gpu)).toEqual({ type: 'RollingUpdate', rollingUpdate });
  });
});

describe('desiredServingPool', () => {
  const poolOf = (spec: Record<string, unknown>, replicas?: number) => {
    const d = llmDeployment({ metadata: { name: 'm' }, spec: { model: { name: 'org/m' }, ...spec } });
    const o = desiredLLMDeployment(CTX, { deployment: d, existingPools: [] }).objects[0];
    return servingPool({ ...o, metadata: { ...o.metadata, uid: 'uid-pool' }, spec: { ...(o.spec as object), ...(replicas !== undefined ? { replicas } : {}) } });
  };

  it('runs the template as a Deployment of the same name, owned by the pool, with its replicas', () => {
    const dep = desiredServingPool(poolOf({ serving: { replicas: 4 } })) as Obj & { spec: Record<string, unknown> };
    expect(dep.metadata.name).toBe('m');
    expect(dep.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ServingPool', name: 'm', uid: 'uid-pool', controller: true })]);
    expect(dep.spec.replicas).toBe(4);
    expect(dep.spec.selector).toEqual({ matchLabels: { 'llm-d.io/pool': 'm' } });
    expect(dep.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });

  it('keeps its selector across template changes (the selector is immutable)', () => {
    const a = desiredServingPool(poolOf({})) as Obj & { spec: { selector: unknown; template: unknown } };
    const b = desiredServingPool(poolOf({ cache: { blockSize: 64 }, serving: { args: ['--enforce-eager'] }, simulated: true })) as Obj & { spec: { selector: unknown; template: unknown } };
    expect(a.spec.template).not.toEqual(b.spec.template);
    expect(a.spec.selector).toEqual(b.spec.selector);
  });

  it('a simulated pool (no GPUs) surges instead', () => {
    expect((desiredServingPool(poolOf({ simulated: true })) as Obj & { spec: { strategy: unknown } }).spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });
});
