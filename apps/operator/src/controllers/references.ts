// Who refers to whom, read from the cache: the LLMDeployments and InferenceGateways a policy change
// concerns, the gateways in front of a deployment, the deployments behind a gateway. The controllers
// map watch events through these (a policy change re-enqueues what uses it).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectKey } from '@llmd/controller-kit';
import type { ObjectStore } from '../kube/object-store';

interface Refs {
  schedulingPolicyRef?: { name?: string };
  cachePolicyRef?: { name?: string };
  deployments?: { name?: string }[];
}

const spec = (o: KubernetesObject): Refs => ((o as { spec?: Refs }).spec ?? {}) as Refs;
const key = (o: KubernetesObject): ObjectKey => ({ namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });

/** The deployment names an InferenceGateway lists. */
export function gatewayDeployments(gateway: KubernetesObject): string[] {
  return (spec(gateway).deployments ?? []).map((d) => d.name ?? '').filter(Boolean);
}

/** The InferenceGateways in the namespace that list this deployment. */
export function gatewaysListing(store: ObjectStore, namespace: string, deployment: string): KubernetesObject[] {
  return store.list('InferenceGateway', namespace).filter((g) => gatewayDeployments(g).includes(deployment));
}

/** LLMDeployments using a policy (by kind and name). */
export function deploymentsUsingPolicy(store: ObjectStore, kind: 'SchedulingPolicy' | 'CachePolicy', namespace: string, name: string): ObjectKey[] {
  const field = kind === 'SchedulingPolicy' ? 'schedulingPolicyRef' : 'cachePolicyRef';
  return store.list('LLMDeployment', namespace).filter((d) => spec(d)[field]?.name === name).map(key);
}

/**
 * InferenceGateways a policy change concerns: those naming a SchedulingPolicy themselves, and those in
 * front of a deployment using the policy (the scheduler's and cache-manager's config come from both).
 */
export function gatewaysUsingPolicy(store: ObjectStore, kind: 'SchedulingPolicy' | 'CachePolicy', namespace: string, name: string): ObjectKey[] {
  const users = new Set(deploymentsUsingPolicy(store, kind, namespace, name).map((k) => k.name));
  return store
    .list('InferenceGateway', namespace)
    .filter((g) => (kind === 'SchedulingPolicy' && spec(g).schedulingPolicyRef?.name === name) || gatewayDeployments(g).some((d) => users.has(d)))
    .map(key);
}

/**
 * Maps gateway events to the deployments it lists now and listed when last seen, so a deployment a
 * gateway stops listing is reconciled too (its InferencePool's endpoint picker changes).
 */
export function gatewayToDeployments(): (gateway: KubernetesObject) => ObjectKey[] {
  const lastSeen = new Map<string, string[]>();
  return (gateway) => {
    const k = key(gateway);
    const id = `${k.namespace}/${k.name}`;
    const now = gateway.metadata?.deletionTimestamp ? [] : gatewayDeployments(gateway);
    const names = new Set([...(lastSeen.get(id) ?? []), ...gatewayDeployments(gateway)]);
    lastSeen.set(id, now);
    return [...names].map((name) => ({ namespace: k.namespace, name }));
  };
}
