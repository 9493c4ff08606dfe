// LLMDeployment -> its ServingPools, the model Service and the InferencePool, with the replica
// ownership rule: the operator creates a pool at the declared size and afterwards only writes a
// changed declaration through /scale; the autoscaler owns the number in between. An autoscaled pool
// is created at the declared size clamped to its bounds and never written by the operator again.
import { API_VERSION, SERVING_POOL_KIND, type AutoscalingSpec } from '@llmd/crd-types';
import { DECLARED_REPLICAS_ANNOTATION, DEPLOYMENT_LABEL, MODEL_SERVER_COMPONENT, modelServerSelector, nameProblem, ownerRef, standardLabels } from './meta';
import { modelServerPodTemplate } from './model-server-pod';
import { cachePlan, poolPlans, type PoolPlan } from './pool-plan';
import { HTTP_PORT, portConflict } from './vllm-args';
import { schedulerServiceName, SCHEDULER_EXT_PROC_PORT } from './names';
import type { CachePolicyObject, InferenceGatewayObject, LLMDeploymentObject, Obj, Problem, RenderContext, SchedulingPolicyObject, ServingPoolObject } from './types';

export const INFERENCE_POOL_API_VERSION = 'inference.networking.k8s.io/v1';

export interface LLMDeploymentInputs {
  deployment: LLMDeploymentObject;
  /** The SchedulingPolicy it references, when found (undefined with a ref = PolicyNotFound). */
  schedulingPolicy?: SchedulingPolicyObject;
  /** The CachePolicy it references, when found (undefined with a ref = PolicyNotFound). */
  cachePolicy?: CachePolicyObject;
  /** The InferenceGateway listing this deployment, if any: its scheduler is the InferencePool's endpoint picker. */
  gateway?: InferenceGatewayObject;
  /** The ServingPools of this deployment that exist now. */
  existingPools: ServingPoolObject[];
}

export interface DesiredLLMDeployment {
  /** ServingPools (no spec.replicas for an existing pool), the model Service, the InferencePool (only when installed). */
  objects: Obj[];
  /** Declared replica changes to write through each pool's /scale. */
  scale: { pool: string; replicas: number }[];
  problems: Problem[];
}

/** The ServingPool names of a deployment in its current mode. */
export function poolNames(d: LLMDeploymentObject): string[] {
  const n = d.metadata.name;
  return d.spec.serving.mode === 'disaggregated' ? [`${n}-prefill`, `${n}-decode`] : [n];
}

/** Missing referenced policies, as blocking problems. */
export function missingPolicies(inputs: Pick<LLMDeploymentInputs, 'deployment' | 'schedulingPolicy' | 'cachePolicy'>): Problem[] {
  const out: Problem[] = [];
  const { spec } = inputs.deployment;
  if (spec.cachePolicyRef && inputs.cachePolicy?.metadata.name !== spec.cachePolicyRef.name) {
    out.push({ reason: 'PolicyNotFound', message: `CachePolicy ${spec.cachePolicyRef.name} (spec.cachePolicyRef) not found`, blocking: true });
  }
  if (spec.schedulingPolicyRef && inputs.schedulingPolicy?.metadata.name !== spec.schedulingPolicyRef.name) {
    out.push({ reason: 'PolicyNotFound', message: `SchedulingPolicy ${spec.schedulingPolicyRef.name} (spec.schedulingPolicyRef) not found`, blocking: true });
  }
  return out;
}

/** What the declared-replicas annotation records for an autoscaled pool: no number the operator owns. */
export const AUTOSCALED_DECLARATION = 'autoscaled';

/** The declaration an annotation records: the number, or `autoscaled`. */
export function recordedDeclaration(declared: number, autoscaling: Pick<AutoscalingSpec, 'minReplicas' | 'maxReplicas'> | undefined): string {
  return autoscaling ? AUTOSCALED_DECLARATION : String(declared);
}

/**
 * The replica ownership rule, pure: a new pool gets the declared number in spec.replicas; an existing
 * one gets no spec.replicas, and a `scale` entry when the declared number differs from the one its
 * `llm-d.io/declared-replicas` annotation recorded (or none was recorded). An autoscaled pool is
 * created at the declared number clamped to [minReplicas, maxReplicas] and never gets a `scale` entry:
 * the autoscaler owns its size. When autoscaling is removed, the recorded `autoscaled` differs from
 * the declared number, so the declaration is written once and the operator owns the pool again.
 */
export function replicaOwnership(
  declared: number,
  existing: ServingPoolObject | undefined,
  autoscaling?: Pick<AutoscalingSpec, 'minReplicas' | 'maxReplicas'>,
): { specReplicas?: number; scale?: number } {
  if (autoscaling) return existing ? {} : { specReplicas: Math.min(autoscaling.maxReplicas, Math.max(autoscaling.minReplicas, declared)) };
  if (!existing) return { specReplicas: declared };
  const recorded = existing.metadata.annotations?.[DECLARED_REPLICAS_ANNOTATION];
  return recorded === String(declared) ? {} : { scale: declared };
}

function servingPool(ctx: RenderContext, inputs: LLMDeploymentInputs, pool: PoolPlan, specReplicas: number | undefined): Obj {
  const d = inputs.deployment;
  const spec: Record<string, unknown> = { deployment: d.metadata.name, role: pool.role, model: d.spec.model.name };
  if (specReplicas !== undefined) spec.replicas = specReplicas;
  if (pool.autoscaling) spec.autoscaling = pool.autoscaling;
  spec.template = modelServerPodTemplate({ ctx, deployment: d, pool, cache: cachePlan(d, inputs.cachePolicy) });
  return {
    apiVersion: API_VERSION,
    kind: SERVING_POOL_KIND,
    metadata: {
      name: pool.name,
      namespace: ctx.namespace,
      labels: {
        ...standardLabels({ name: 'serving-pool', instance: d.metadata.name, component: pool.role }),
        [DEPLOYMENT_LABEL]: d.metadata.name,
      },
      annotations: { [DECLARED_REPLICAS_ANNOTATION]: recordedDeclaration(pool.replicas, pool.autoscaling) },
      ownerReferences: [ownerRef(d)],
    },
    spec,
  };
}

function modelService(ctx: RenderContext, d: LLMDeploymentObject): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: d.metadata.name,
      namespace: ctx.namespace,
      labels: standardLabels({ name: 'vllm', instance: d.metadata.name, component: MODEL_SERVER_COMPONENT }),
      ownerReferences: [ownerRef(d)],
    },
    spec: {
      type: 'ClusterIP',
      selector: modelServerSelector(d.metadata.name),
      ports: [{ name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/** inference.networking.k8s.io/v1 allows at most this many target ports (one per data-parallel rank). */
export const INFERENCE_POOL_MAX_TARGET_PORTS = 8;

function inferencePool(ctx: RenderContext, d: LLMDeploymentObject, gateway: InferenceGatewayObject, ranks: number): Obj {
  return {
    apiVersion: INFERENCE_POOL_API_VERSION,
    kind: 'InferencePool',
    metadata: {
      name: d.metadata.name,
      namespace: ctx.namespace,
      labels: standardLabels({ name: 'inference-pool', instance: d.metadata.name, component: MODEL_SERVER_COMPONENT }),
      ownerReferences: [ownerRef(d)],
    },
    spec: {
      selector: { matchLabels: modelServerSelector(d.metadata.name) },
      // One port per data-parallel rank, as llmd's scheduler lists them (the CRD takes at most 8).
      targetPorts: Array.from({ length: Math.min(ranks, INFERENCE_POOL_MAX_TARGET_PORTS) }, (_, r) => ({ number: HTTP_PORT + r })),
      endpointPickerRef: {
        group: '',
        kind: 'Service',
        name: schedulerServiceName(gateway.metadata.name),
        // The scheduler's ext_proc port: an Envoy-based Gateway asks it per request (GIE's protocol).
        port: { number: SCHEDULER_EXT_PROC_PORT },
        failureMode: gateway.spec.failureMode,
      },
    },
  };
}

export function desiredLLMDeployment(ctx: RenderContext, inputs: LLMDeploymentInputs): DesiredLLMDeployment {
  const d = inputs.deployment;
  const missing = missingPolicies(inputs);
  if (missing.length > 0) return { objects: [], scale: [], problems: missing };
  const badName = nameProblem(d.metadata.name, '-prefill');
  if (badName) return { objects: [], scale: [], problems: [{ reason: 'InvalidSpec', message: badName, blocking: true }] };
  const plans = poolPlans(d);
  if (typeof plans === 'string') return { objects: [], scale: [], problems: [{ reason: 'InvalidSpec', message: plans, blocking: true }] };
  const cache = cachePlan(d, inputs.cachePolicy);
  const clash = plans.map((p) => portConflict(p, cache, d.spec.serving.mode === 'disaggregated')).find((m) => m !== undefined);
  if (clash) return { objects: [], scale: [], problems: [{ reason: 'InvalidSpec', message: clash, blocking: true }] };
  const objects: Obj[] = [];
  const scale: DesiredLLMDeployment['scale'] = [];
  const problems: Problem[] = [];
  for (const pool of plans) {
    const existing = inputs.existingPools.find((p) => p.metadata.name === pool.name);
    const own = replicaOwnership(pool.replicas, existing, pool.autoscaling);
    objects.push(servingPool(ctx, inputs, pool, own.specReplicas));
    if (own.scale !== undefined) scale.push({ pool: pool.name, replicas: own.scale });
  }
  objects.push(modelService(ctx, d));
  if (!ctx.inferencePoolInstalled) {
    problems.push({ reason: 'InferencePoolCRDMissing', message: `the ${INFERENCE_POOL_API_VERSION} InferencePool CRD is not installed; no InferencePool is rendered (the Service and pools still are)` });
  } else if (inputs.gateway) {
    const ranks = Math.max(...plans.map((p) => p.data));
    objects.push(inferencePool(ctx, d, inputs.gateway, ranks));
    if (ranks > INFERENCE_POOL_MAX_TARGET_PORTS) {
      problems.push({ reason: 'TooManyTargetPorts', message: `${ranks} data-parallel ranks per pod; the InferencePool lists the first ${INFERENCE_POOL_MAX_TARGET_PORTS} (llmd's own scheduler sees them all)` });
    }
  }
  return { objects, scale, problems };
}
