// Builders for the specs: a RenderContext and parsed llm-d.io objects with uids and generations.
import { parseCachePolicy, parseInferenceGateway, parseLLMDeployment, parseSchedulingPolicy, parseServingPool } from '../parse';
import type { CachePolicyObject, InferenceGatewayObject, LLMDeploymentObject, Parsed, RenderContext, SchedulingPolicyObject, ServingPoolObject } from '../types';

export const CTX: RenderContext = {
  namespace: 'llm',
  images: {
    vllm: 'vllm/vllm-openai:v0.11.0',
    vllmSim: 'llmd/vllm-sim:dev',
    gateway: 'llmd/gateway:dev',
    scheduler: 'llmd/scheduler:dev',
    cacheManager: 'llmd/cache-manager:dev',
  },
  kafka: { brokers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'] },
  inferencePoolInstalled: true,
};

function ok<T>(p: Parsed<T>): T {
  if (!p.ok) throw new Error(p.message);
  return p.value;
}

type Raw = { metadata?: Record<string, unknown>; spec?: unknown; [k: string]: unknown };

function withMeta(raw: Raw, kind: string, uid: string): Raw {
  const metadata = raw.metadata ?? {};
  return { apiVersion: 'llm-d.io/v1alpha1', kind, ...raw, metadata: { namespace: 'llm', uid, generation: 1, ...metadata } };
}

export function llmDeployment(raw: Raw): LLMDeploymentObject {
  return ok(parseLLMDeployment(withMeta(raw, 'LLMDeployment', `uid-${String(raw.metadata?.name)}`)));
}
export function inferenceGateway(raw: Raw): InferenceGatewayObject {
  return ok(parseInferenceGateway(withMeta(raw, 'InferenceGateway', `uid-igw-${String(raw.metadata?.name)}`)));
}
export function schedulingPolicy(raw: Raw): SchedulingPolicyObject {
  return ok(parseSchedulingPolicy(withMeta(raw, 'SchedulingPolicy', `uid-sp-${String(raw.metadata?.name)}`)));
}
export function cachePolicy(raw: Raw): CachePolicyObject {
  return ok(parseCachePolicy(withMeta(raw, 'CachePolicy', `uid-cp-${String(raw.metadata?.name)}`)));
}
export function servingPool(raw: Raw): ServingPoolObject {
  return ok(parseServingPool(withMeta(raw, 'ServingPool', `uid-pool-${String(raw.metadata?.name)}`)));
}
