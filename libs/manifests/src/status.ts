// Status of each llm-d.io resource from what the operator observed: per-pool replica counts and the
// Ready / Progressing / Degraded conditions with their reasons, for the generation they describe.
import { findCondition, mergeConditions, type ConditionInput } from './conditions';
import { poolNames } from './llm-deployment.render';
import { labelSelectorString } from './selector';
import { poolSelector } from './serving-pool.render';
import { HTTP_PORT } from './vllm-args';
import { cacheManagerName, gatewayName, schedulerServiceName } from './names';
import type { InferenceGatewayObject, InferenceGatewayStatusShape, LLMDeploymentObject, LLMDeploymentStatus, ObservedDeployment, Problem, ServingPoolObject, ServingPoolStatus } from './types';

interface PoolHealth {
  name: string;
  desired: number;
  replicas: number;
  ready: number;
  updated: number;
  rolledOut: boolean;
  stalled?: string;
}

function poolHealth(pool: ServingPoolObject): PoolHealth {
  const s = pool.status ?? {};
  const desired = pool.spec.replicas;
  const replicas = s.replicas ?? 0;
  const ready = s.readyReplicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  const current = (s.observedGeneration ?? 0) >= (pool.metadata.generation ?? 0) && s.observedGeneration !== undefined;
  const progressing = findCondition(s.conditions, 'Progressing');
  return {
    name: pool.metadata.name,
    desired,
    replicas,
    ready,
    updated,
    rolledOut: current && updated >= desired && replicas <= updated,
    stalled: progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded' ? progressing.message : undefined,
  };
}

function describe(p: PoolHealth): string {
  return `${p.name}: ${p.ready}/${p.desired} ready, ${p.updated} updated`;
}

/** A blocking problem (nothing rendered): not Ready, not Progressing, Degraded, all with its reason and every blocking message. */
function blockedConditions(first: Problem, problems: Problem[]): ConditionInput[] {
  const message = problems.filter((p) => p.blocking).map((p) => p.message).join('; ');
  return [
    { type: 'Ready', status: 'False', reason: first.reason, message },
    { type: 'Progressing', status: 'False', reason: first.reason, message },
    { type: 'Degraded', status: 'True', reason: first.reason, message },
  ];
}

export function llmDeploymentStatus(d: LLMDeploymentObject, pools: ServingPoolObject[], problems: Problem[], now: Date): LLMDeploymentStatus {
  const generation = d.metadata.generation;
  const prev = d.status?.conditions;
  const names = poolNames(d);
  const mine = names.map((n) => pools.find((p) => p.metadata.name === n));
  const status: LLMDeploymentStatus = { observedGeneration: generation };
  for (const pool of mine) {
    if (!pool) continue;
    const s = pool.status ?? {};
    status[pool.spec.role] = { name: pool.metadata.name, replicas: s.replicas ?? 0, readyReplicas: s.readyReplicas ?? 0, updatedReplicas: s.updatedReplicas ?? 0 };
  }
  const blocking = problems.find((p) => p.blocking);
  const others = problems.filter((p) => !p.blocking);
  let conditions: ConditionInput[];
  if (blocking) {
    conditions = blockedConditions(blocking, problems);
  } else {
    const health = mine.filter((p): p is ServingPoolObject => p !== undefined).map(poolHealth);
    const missing = names.filter((_, i) => !mine[i]);
    const notReady = health.filter((h) => h.ready < h.desired);
    const rolling = health.filter((h) => !h.rolledOut);
    const stalled = health.filter((h) => h.stalled);
    const ready = missing.length === 0 && notReady.length === 0 && rolling.length === 0;
    const detail = health.map(describe).join('; ');
    conditions = [
      ready
        ? { type: 'Ready', status: 'True', reason: 'PoolsReady', message: detail }
        : { type: 'Ready', status: 'False', reason: missing.length > 0 ? 'PoolsMissing' : 'PodsNotReady', message: missing.length > 0 ? `waiting for ServingPool ${missing.join(', ')}` : detail },
      missing.length > 0 || rolling.length > 0
        ? { type: 'Progressing', status: 'True', reason: 'RollingOut', message: missing.length > 0 ? `creating ServingPool ${missing.join(', ')}` : rolling.map(describe).join('; ') }
        : notReady.length > 0
          ? { type: 'Progressing', status: 'True', reason: 'PodsStarting', message: notReady.map(describe).join('; ') }
          : { type: 'Progressing', status: 'False', reason: 'PoolsReady', message: 'every pool runs its current template' },
      stalled.length > 0
        ? { type: 'Degraded', status: 'True', reason: 'ProgressDeadlineExceeded', message: stalled.map((h) => `${h.name}: ${h.stalled}`).join('; ') }
        : others.length > 0
          ? { type: 'Degraded', status: 'True', reason: others[0].reason, message: others.map((p) => p.message).join('; ') }
          : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
    ];
    status.endpoint = `${d.metadata.name}.${d.metadata.namespace ?? 'default'}.svc:${HTTP_PORT}`;
  }
  status.conditions = mergeConditions(prev, conditions, generation, now);
  return status;
}

export function servingPoolStatus(pool: ServingPoolObject, deployment: ObservedDeployment | undefined, now: Date): ServingPoolStatus {
  const generation = pool.metadata.generation;
  const selector = labelSelectorString(poolSelector(pool));
  const desired = pool.spec.replicas;
  if (!deployment) {
    const message = `Deployment ${pool.metadata.name} not found yet`;
    return {
      observedGeneration: generation,
      replicas: 0,
      readyReplicas: 0,
      updatedReplicas: 0,
      availableReplicas: 0,
      selector,
      conditions: mergeConditions(pool.status?.conditions, [
        { type: 'Ready', status: 'False', reason: 'DeploymentMissing', message },
        { type: 'Progressing', status: 'True', reason: 'DeploymentMissing', message },
      ], generation, now),
    };
  }
  const s = deployment.status ?? {};
  const replicas = s.replicas ?? 0;
  const ready = s.readyReplicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const current = (s.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0) && (deployment.spec?.replicas ?? desired) === desired;
  const isReady = current && updated >= desired && ready >= desired && replicas <= updated;
  const counts = `${ready}/${desired} ready, ${updated} updated, ${available} available`;
  const dp = s.conditions?.find((c) => c.type === 'Progressing');
  const progressing: ConditionInput =
    dp?.status === 'False'
      ? { type: 'Progressing', status: 'False', reason: dp.reason ?? 'ProgressDeadlineExceeded', message: dp.message ?? '' }
      : isReady
        ? { type: 'Progressing', status: 'False', reason: 'RolloutComplete', message: counts }
        : { type: 'Progressing', status: 'True', reason: current && updated >= desired ? 'PodsStarting' : 'RollingOut', message: counts };
  return {
    observedGeneration: generation,
    replicas,
    readyReplicas: ready,
    updatedReplicas: updated,
    availableReplicas: available,
    selector,
    conditions: mergeConditions(pool.status?.conditions, [
      isReady ? { type: 'Ready', status: 'True', reason: 'PodsReady', message: counts } : { type: 'Ready', status: 'False', reason: 'PodsNotReady', message: counts },
      progressing,
    ], generation, now),
  };
}

function deploymentReady(d: ObservedDeployment | undefined): boolean {
  if (!d) return false;
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && (s.updatedReplicas ?? 0) >= want && (s.readyReplicas ?? 0) >= want && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0);
}

export function inferenceGatewayStatus(g: InferenceGatewayObject, observed: ObservedDeployment[], problems: Problem[], now: Date): InferenceGatewayStatusShape {
  const generation = g.metadata.generation;
  const name = g.metadata.name;
  const wanted = [gatewayName(name), schedulerServiceName(name), cacheManagerName(name)];
  const byName = (n: string) => observed.find((d) => d.metadata.name === n);
  const gateway = byName(gatewayName(name));
  const blocking = problems.find((p) => p.blocking);
  const others = problems.filter((p) => !p.blocking);
  const notReady = wanted.filter((n) => !deploymentReady(byName(n)));
  const missing = wanted.filter((n) => !byName(n));
  let conditions: ConditionInput[];
  if (blocking) {
    conditions = blockedConditions(blocking, problems);
  } else {
    const detail = wanted.map((n) => `${n}: ${byName(n)?.status?.readyReplicas ?? 0}/${byName(n)?.spec?.replicas ?? 0} ready`).join('; ');
    conditions = [
      notReady.length === 0 ? { type: 'Ready', status: 'True', reason: 'DeploymentsReady', message: detail } : { type: 'Ready', status: 'False', reason: missing.length > 0 ? 'DeploymentsMissing' : 'PodsNotReady', message: detail },
      notReady.length === 0 ? { type: 'Progressing', status: 'False', reason: 'RolloutComplete', message: detail } : { type: 'Progressing', status: 'True', reason: 'RollingOut', message: `waiting for ${notReady.join(', ')}` },
      others.length > 0 ? { type: 'Degraded', status: 'True', reason: others[0].reason, message: others.map((p) => p.message).join('; ') } : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
    ];
  }
  return {
    observedGeneration: generation,
    conditions: mergeConditions(g.status?.conditions, conditions, generation, now),
    readyReplicas: gateway?.status?.readyReplicas ?? 0,
    endpoint: `${gatewayName(name)}.${g.metadata.namespace ?? 'default'}.svc:${g.spec.gateway.port}`,
  };
}
