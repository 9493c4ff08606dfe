import { autoscalingSpec } from '@llmd/crd-types';
import { autoscaledPools, describePoolEvent, podRoles } from './up.command';

describe('llmd up: pods and pools', () => {
  it.each([
    [{ pods: 2 }, ['both', 'both']],
    [{ pods: 4, prefill: 1, decode: 2 }, ['prefill', 'decode', 'decode']],
    [{ pods: 4, prefill: 1 }, '--prefill and --decode go together'],
  ])('%p -> %p', (values, want) => {
    expect(podRoles(values)).toEqual(want);
  });

  it('one pool per role present, each parsing as an AutoscalingSpec, with SLO targets for the slo policy', () => {
    const pools = autoscaledPools(['prefill', 'decode', 'decode'], 'slo', 6, { ttftMs: 1000, itlMs: 40 });
    expect(pools.map((p) => p.name)).toEqual(['prefill', 'decode']);
    const specs = pools.map((p) => autoscalingSpec.parse(p.autoscaling));
    expect(specs.map((s) => [s.policy, s.minReplicas, s.maxReplicas, s.slo?.itlMs])).toEqual([['slo', 1, 5, 40], ['slo', 1, 5, 40]]);
    expect(autoscalingSpec.parse(autoscaledPools(['both'], 'saturation', 3, { ttftMs: 1, itlMs: 1 })[0].autoscaling)).toMatchObject({ policy: 'saturation', maxReplicas: 3 });
  });

  it('prints each scaling action', () => {
    expect(describePoolEvent({ type: 'scale', pool: 'decode', from: 1, to: 2 })).toBe('autoscaler: pool decode 1 -> 2 replicas');
  });
});
