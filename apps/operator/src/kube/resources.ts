// The resources the operator watches: its own llm-d.io kinds, the workload objects it renders, and the
// Gateway API Inference Extension's InferencePool (present only when its CRD is installed).
import type { ResourceRef } from '@llmd/controller-kit';
import { GROUP, VERSION } from '@llmd/crd-types';

const llmd = (kind: string, plural: string): ResourceRef => ({ group: GROUP, version: VERSION, plural, kind, namespaced: true });

export const LLM_DEPLOYMENTS = llmd('LLMDeployment', 'llmdeployments');
export const SERVING_POOLS = llmd('ServingPool', 'servingpools');
export const INFERENCE_GATEWAYS = llmd('InferenceGateway', 'inferencegateways');
export const SCHEDULING_POLICIES = llmd('SchedulingPolicy', 'schedulingpolicies');
export const CACHE_POLICIES = llmd('CachePolicy', 'cachepolicies');

export const DEPLOYMENTS: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
export const SERVICES: ResourceRef = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };
export const CONFIG_MAPS: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
export const INFERENCE_POOLS: ResourceRef = { group: 'inference.networking.k8s.io', version: 'v1', plural: 'inferencepools', kind: 'InferencePool', namespaced: true };

/** Every kind the operator caches, by kind name. */
export const RESOURCES = {
  LLMDeployment: LLM_DEPLOYMENTS,
  ServingPool: SERVING_POOLS,
  InferenceGateway: INFERENCE_GATEWAYS,
  SchedulingPolicy: SCHEDULING_POLICIES,
  CachePolicy: CACHE_POLICIES,
  Deployment: DEPLOYMENTS,
  Service: SERVICES,
  ConfigMap: CONFIG_MAPS,
  InferencePool: INFERENCE_POOLS,
} as const;
export type Kind = keyof typeof RESOURCES;

/** The kinds the operator renders; it watches only those carrying the managed-by label. */
export const OWNED_KINDS: readonly Kind[] = ['Deployment', 'Service', 'ConfigMap'];
export const MANAGED_BY_SELECTOR = 'app.kubernetes.io/managed-by=llmd-operator';
