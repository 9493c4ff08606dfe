import type { KubernetesObject } from '@kubernetes/client-node';
import { StaticStore } from '../testing/fakes';
import { deploymentsUsingPolicy, gatewaysListing, gatewaysUsingPolicy, gatewayToDeployments } from './references';

const o = (kind: string, name: string, spec: Record<string, unknown>, namespace = 'llm'): KubernetesObject => ({ apiVersion: 'llm-d.io/v1alpha1', kind, metadata: { name, namespace }, spec } as KubernetesObject);

const store = new StaticStore([
  o('LLMDeployment', 'a', { schedulingPolicyRef: { name: 'fast' }, cachePolicyRef: { name: 'big' } }),
  o('LLMDeployment', 'b', { schedulingPolicyRef: { name: 'slow' } }),
  o('LLMDeployment', 'c', { cachePolicyRef: { name: 'big' } }, 'other'),
  o('InferenceGateway', 'g1', { deployments: [{ name: 'a' }] }),
  o('InferenceGateway', 'g2', { deployments: [{ name: 'b' }], schedulingPolicyRef: { name: 'fast' } }),
]);
const names = (keys: { name: string }[]) => keys.map((k) => k.name).sort();

describe('references', () => {
  it.each([
    ['SchedulingPolicy', 'fast', ['a'], ['g1', 'g2']],
    ['SchedulingPolicy', 'slow', ['b'], ['g2']],
    ['CachePolicy', 'big', ['a'], ['g1']],
    ['CachePolicy', 'none', [], []],
  ] as const)('a %s %s concerns deployments %p and gateways %p (same namespace only)', (kind, name, deployments, gateways) => {
    expect(names(deploymentsUsingPolicy(store, kind, 'llm', name))).toEqual(deployments);
    expect(names(gatewaysUsingPolicy(store, kind, 'llm', name))).toEqual(gateways);
  });

  it('finds the gateways listing a deployment', () => {
    expect(gatewaysListing(store, 'llm', 'b').map((g) => g.metadata?.name)).toEqual(['g2']);
    expect(gatewaysListing(store, 'other', 'b')).toEqual([]);
  });

  it('maps a gateway to the deployments it lists now and listed before', () => {
    const map = gatewayToDeployments();
    expect(names(map(o('InferenceGateway', 'g', { deployments: [{ name: 'a' }, { name: 'b' }] })))).toEqual(['a', 'b']);
    expect(names(map(o('InferenceGateway', 'g', { deployments: [{ name: 'b' }] })))).toEqual(['a', 'b']);
    expect(names(map(o('InferenceGateway', 'g', { deployments: [{ name: 'b' }] })))).toEqual(['b']);
  });
});
