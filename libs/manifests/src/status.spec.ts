import { inferenceGatewayStatus, llmDeploymentStatus, servingPoolStatus } from './status';
import { inferenceGateway, llmDeployment, servingPool } from './testing/fixtures';
import type { ObservedDeployment, Problem, ServingPoolObject } from './types';

const NOW = new Date('2026-12-03T20:00:00.000Z');
const LATER = new Date('2026-12-03T20:05:00.000Z');

const disagg = (generation = 1) =>
  llmDeployment({ metadata: { name: 'm', generation }, spec: { model: { name: 'org/m' }, serving: { mode: 'disaggregated', prefill: { replicas: 2 }, decode: { replicas: 3 } } } });

function pool(name: string, role: 'prefill' | 'decode', desired: number, s: { replicas?: number; ready?: number; updated?: number; gen?: number; observed?: number; stalled?: boolean }): ServingPoolObject {
  return servingPool({
    metadata: { name, generation: s.gen ?? 1 },
    spec: { deployment: 'm', role, model: 'org/m', replicas: desired, template: {} },
    status: {
      observedGeneration: s.observed ?? s.gen ?? 1,
      replicas: s.replicas ?? desired,
      readyReplicas: s.ready ?? desired,
      updatedReplicas: s.updated ?? desired,
      ...(s.stalled ? { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet has timed out progressing.', lastTransitionTime: NOW.toISOString() }] } : {}),
    },
  });
}

function conditionsOf(status: { conditions?: { type: string; status: string; reason: string }[] }) {
  return Object.fromEntries((status.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
}

describe('llmDeploymentStatus', () => {
  it.each([
    ['all pools ready', [pool('m-prefill', 'prefill', 2, {}), pool('m-decode', 'decode', 3, {})], [], { Ready: 'True/PoolsReady', Progressing: 'False/PoolsReady', Degraded: 'False/AsExpected' }],
    ['a pool not created yet', [pool('m-prefill', 'prefill', 2, {})], [], { Ready: 'False/PoolsMissing', Progressing: 'True/RollingOut', Degraded: 'False/AsExpected' }],
    ['a rollout in progress (old pods remain)', [pool('m-prefill', 'prefill', 2, {}), pool('m-decode', 'decode', 3, { replicas: 4, updated: 1, ready: 3 })], [], { Ready: 'False/PodsNotReady', Progressing: 'True/RollingOut' }],
    ['a pool whose new spec is not observed yet', [pool('m-prefill', 'prefill', 2, { gen: 2, observed: 1 }), pool('m-decode', 'decode', 3, {})], [], { Ready: 'False/PodsNotReady', Progressing: 'True/RollingOut' }],
    ['pods starting (scaled up)', [pool('m-prefill', 'prefill', 2, { ready: 1 }), pool('m-decode', 'decode', 3, {})], [], { Ready: 'False/PodsNotReady', Progressing: 'True/PodsStarting', Degraded: 'False/AsExpected' }],
    ['a stalled rollout', [pool('m-prefill', 'prefill', 2, { ready: 1, stalled: true }), pool('m-decode', 'decode', 3, {})], [], { Ready: 'False/PodsNotReady', Degraded: 'True/ProgressDeadlineExceeded' }],
    ['ready, but the InferencePool CRD is missing', [pool('m-prefill', 'prefill', 2, {}), pool('m-decode', 'decode', 3, {})], [{ reason: 'InferencePoolCRDMissing', message: 'no CRD' }], { Ready: 'True/PoolsReady', Degraded: 'True/InferencePoolCRDMissing' }],
    ['an invalid spec', [], [{ reason: 'InvalidSpec', message: 'spec.resources.gpu: bad', blocking: true }], { Ready: 'False/InvalidSpec', Progressing: 'False/InvalidSpec', Degraded: 'True/InvalidSpec' }],
    ['a missing policy', [pool('m-prefill', 'prefill', 2, {}), pool('m-decode', 'decode', 3, {})], [{ reason: 'PolicyNotFound', message: 'CachePolicy x not found', blocking: true }], { Ready: 'False/PolicyNotFound', Degraded: 'True/PolicyNotFound' }],
  ] as [string, ServingPoolObject[], Problem[], Record<string, string>][])('%s', (_, pools, problems, want) => {
    const status = llmDeploymentStatus(disagg(), pools, problems, NOW);
    expect(conditionsOf(status)).toMatchObject(want);
    for (const c of status.conditions ?? []) expect(c.observedGeneration).toBe(1);
  });

  it('per-pool counts, observedGeneration and the endpoint', () => {
    const status = llmDeploymentStatus(disagg(4), [pool('m-prefill', 'prefill', 2, { ready: 1 }), pool('m-decode', 'decode', 3, { replicas: 4, updated: 3, ready: 2 })], [], NOW);
    expect(status).toMatchObject({
      observedGeneration: 4,
      prefill: { name: 'm-prefill', replicas: 2, readyReplicas: 1, updatedReplicas: 2 },
      decode: { name: 'm-decode', replicas: 4, readyReplicas: 2, updatedReplicas: 3 },
      endpoint: 'm.llm.svc:8000',
    });
  });

  it('keeps lastTransitionTime while a status holds, and moves it when it changes', () => {
    const d = disagg();
    const ready = [pool('m-prefill', 'prefill', 2, {}), pool('m-decode', 'decode', 3, {})];
    const first = llmDeploymentStatus(d, ready, [], NOW);
    d.status = first;
    const same = llmDeploymentStatus(d, ready, [], LATER);
    expect(same.conditions).toEqual(first.conditions);
    const changed = llmDeploymentStatus(d, [ready[0], pool('m-decode', 'decode', 3, { ready: 2 })], [], LATER);
    expect(changed.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime).toBe('2026-12-03T20:05:00Z');
    expect(changed.conditions!.find((c) => c.type === 'Degraded')!.lastTransitionTime).toBe('2026-12-03T20:00:00Z');
  });
});

describe('servingPoolStatus', () => {
  const p = servingPool({ metadata: { name: 'm-decode', generation: 2 }, spec: { deployment: 'm', role: 'decode', model: 'org/m', replicas: 3, template: {} } });
  const dep = (status: ObservedDeployment['status'], generation = 5, replicas = 3): ObservedDeployment => ({ metadata: { name: 'm-decode', generation }, spec: { replicas }, status: { observedGeneration: generation, ...status } });
  it.each([
    ['no Deployment yet', undefined, { Ready: 'False/DeploymentMissing', Progressing: 'True/DeploymentMissing' }],
    ['all ready', dep({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 }), { Ready: 'True/PodsReady', Progressing: 'False/RolloutComplete' }],
    ['rolling out', dep({ replicas: 4, readyReplicas: 3, updatedReplicas: 1, availableReplicas: 3 }), { Ready: 'False/PodsNotReady', Progressing: 'True/RollingOut' }],
    ['pods starting', dep({ replicas: 3, readyReplicas: 1, updatedReplicas: 3, availableReplicas: 1 }), { Ready: 'False/PodsNotReady', Progressing: 'True/PodsStarting' }],
    ['the Deployment not yet at the pool size', dep({ replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 5, 2), { Ready: 'False/PodsNotReady', Progressing: 'True/RollingOut' }],
    ['stalled', dep({ replicas: 3, readyReplicas: 1, updatedReplicas: 3, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] }), { Ready: 'False/PodsNotReady', Progressing: 'False/ProgressDeadlineExceeded' }],
  ] as [string, ObservedDeployment | undefined, Record<string, string>][])('%s', (_, observed, want) => {
    const status = servingPoolStatus(p, observed, NOW);
    expect(conditionsOf(status)).toEqual(want);
    expect(status.selector).toBe('llm-d.io/pool=m-decode');
    expect(status.observedGeneration).toBe(2);
  });
});

describe('inferenceGatewayStatus', () => {
  const g = inferenceGateway({ metadata: { name: 'gw', generation: 3 }, spec: { deployments: [{ name: 'm' }], gateway: { port: 8080 } } });
  const d = (name: string, ready: number): ObservedDeployment => ({ metadata: { name, generation: 1 }, spec: { replicas: 1 }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: ready } });
  it.each([
    ['all ready', [d('gw-gateway', 1), d('gw-scheduler', 1), d('gw-cache-manager', 1)], [], { Ready: 'True/DeploymentsReady', Progressing: 'False/RolloutComplete', Degraded: 'False/AsExpected' }],
    ['the scheduler not ready', [d('gw-gateway', 1), d('gw-scheduler', 0), d('gw-cache-manager', 1)], [], { Ready: 'False/PodsNotReady', Progressing: 'True/RollingOut' }],
    ['a Deployment missing', [d('gw-gateway', 1)], [], { Ready: 'False/DeploymentsMissing' }],
    ['a gap reported', [d('gw-gateway', 1), d('gw-scheduler', 1), d('gw-cache-manager', 1)], [{ reason: 'FailCloseUnsupported', message: 'x' }], { Ready: 'True/DeploymentsReady', Degraded: 'True/FailCloseUnsupported' }],
    ['a missing policy', [], [{ reason: 'PolicyNotFound', message: 'x', blocking: true }], { Ready: 'False/PolicyNotFound', Degraded: 'True/PolicyNotFound' }],
  ] as [string, ObservedDeployment[], Problem[], Record<string, string>][])('%s', (_, observed, problems, want) => {
    const status = inferenceGatewayStatus(g, observed, problems, NOW);
    expect(conditionsOf(status)).toMatchObject(want);
    expect(status.endpoint).toBe('gw-gateway.llm.svc:8080');
    expect(status.observedGeneration).toBe(3);
  });
});
