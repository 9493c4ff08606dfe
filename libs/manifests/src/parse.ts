// Parsing llm-d.io objects as the operator reads them: the crd-types schemas (defaults applied) plus
// the cross-field rules the CRDs state in CEL, so an invalid object becomes a condition naming the
// field, never a crash loop.
import type { z } from 'zod';
import {
  API_VERSION,
  cachePolicySpec,
  CACHE_POLICY_KIND,
  inferenceGatewaySpec,
  INFERENCE_GATEWAY_KIND,
  llmDeploymentSpec,
  LLM_DEPLOYMENT_KIND,
  schedulingPolicySpec,
  SCHEDULING_POLICY_KIND,
  servingPoolSpec,
  SERVING_POOL_KIND,
} from '@llmd/crd-types';
import type {
  CachePolicyObject,
  InferenceGatewayObject,
  LLMDeploymentObject,
  ObjectMeta,
  Parsed,
  SchedulingPolicyObject,
  ServingPoolObject,
} from './types';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), 'spec');
}

function parseObject<S extends z.ZodType, T>(
  obj: unknown,
  kind: string,
  schema: S,
  rules: (spec: z.output<S>) => string | undefined,
): Parsed<T> {
  if (!isRecord(obj)) return { ok: false, message: `${kind}: not an object` };
  if (obj.kind !== undefined && obj.kind !== kind) return { ok: false, message: `kind: expected ${kind}, got ${String(obj.kind)}` };
  const metadata = obj.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') return { ok: false, message: 'metadata.name: required' };
  const result = schema.safeParse(obj.spec ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, message: `${fieldPath(issue.path)}: ${issue.message}` };
  }
  const broken = rules(result.data);
  if (broken) return { ok: false, message: broken };
  const value = {
    apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : API_VERSION,
    kind,
    metadata: metadata as unknown as ObjectMeta,
    spec: result.data,
    ...(obj.status !== undefined ? { status: obj.status } : {}),
  };
  return { ok: true, value: value as T };
}

// The messages are the CRDs' own (their CEL rules and list-map keys), so an object is refused with the
// same words by the apiserver and by the operator.
export function parseLLMDeployment(obj: unknown): Parsed<LLMDeploymentObject> {
  return parseObject(obj, LLM_DEPLOYMENT_KIND, llmDeploymentSpec, (spec) => {
    const s = spec.serving;
    if (s.mode === 'disaggregated') {
      if (!s.prefill || !s.decode) return 'spec.serving: disaggregated mode needs both serving.prefill and serving.decode';
      if (s.replicas !== undefined) return 'spec.serving: serving.replicas is for unified mode; set serving.prefill.replicas and serving.decode.replicas';
      if (spec.resources) return 'spec: spec.resources is for unified mode; set serving.prefill.resources and serving.decode.resources';
    } else if (s.prefill || s.decode) {
      return 'spec.serving: serving.prefill and serving.decode are for disaggregated mode';
    }
    for (const [i, r] of [spec.resources, s.prefill?.resources, s.decode?.resources].entries()) {
      if (r && typeof r.gpu === 'number' && r.count !== undefined) {
        const at = ['spec.resources', 'spec.serving.prefill.resources', 'spec.serving.decode.resources'][i];
        return `${at}: count is only set when gpu names a resource; a numeric gpu is already the count`;
      }
    }
    return tiersProblem('spec.cache.tiers', spec.cache?.tiers);
  });
}

function tiersProblem(at: string, tiers: { type: string; path?: string }[] | undefined): string | undefined {
  const seen = new Set<string>();
  for (const [i, t] of (tiers ?? []).entries()) {
    if (seen.has(t.type)) return `${at}[${i}]: Duplicate value: type ${JSON.stringify(t.type)}`;
    seen.add(t.type);
    if (t.path && t.type !== 'ssd') return `${at}[${i}]: path is only for the ssd tier`;
  }
  return undefined;
}

export function parseServingPool(obj: unknown): Parsed<ServingPoolObject> {
  return parseObject(obj, SERVING_POOL_KIND, servingPoolSpec, () => undefined);
}

export function parseInferenceGateway(obj: unknown): Parsed<InferenceGatewayObject> {
  return parseObject(obj, INFERENCE_GATEWAY_KIND, inferenceGatewaySpec, (spec) => {
    const names = spec.deployments.map((d) => d.name);
    const dup = names.findIndex((n, i) => names.indexOf(n) !== i);
    return dup >= 0 ? `spec.deployments[${dup}]: Duplicate value: name ${JSON.stringify(names[dup])}` : undefined;
  });
}

export function parseSchedulingPolicy(obj: unknown): Parsed<SchedulingPolicyObject> {
  return parseObject(obj, SCHEDULING_POLICY_KIND, schedulingPolicySpec, (spec) =>
    (spec.strategy === undefined) === (spec.plugins === undefined) ? 'spec: set exactly one of strategy and plugins' : undefined,
  );
}

export function parseCachePolicy(obj: unknown): Parsed<CachePolicyObject> {
  return parseObject(obj, CACHE_POLICY_KIND, cachePolicySpec, (spec) => tiersProblem('spec.tiers', spec.tiers));
}
