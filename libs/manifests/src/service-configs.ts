// The YAML configs (LLMD_CONFIG) of the gateway, scheduler and cache-manager an InferenceGateway
// runs, in each service's own config keys (apps/*/src/config.ts).
import { MODELS_ANNOTATION, modelServerSelector, MANAGED_BY, MODEL_SERVER_COMPONENT, ROLE_LABEL } from './meta';
import { cacheManagerName, CACHE_MANAGER_GRPC_PORT, CACHE_MANAGER_OPS_PORT, GATEWAY_OPS_PORT, schedulerServiceName, SCHEDULER_EXT_PROC_PORT, SCHEDULER_GRPC_PORT, SCHEDULER_OPS_PORT } from './names';
import { cachePlan, poolPlans } from './pool-plan';
import { schedulerPicking } from './scheduling-policy';
import { HTTP_PORT } from './vllm-args';
import type { CachePolicyObject, InferenceGatewayObject, LLMDeploymentObject, Problem, RenderContext, SchedulingPolicyObject } from './types';

export const AUTH_MOUNT = '/etc/llmd/auth';
/** Where the gRPC TLS Secret (RenderContext.grpcTls) is mounted in the gateway, scheduler and cache-manager. */
export const GRPC_TLS_MOUNT = '/etc/llmd/grpc-tls';
/** The file of the auth Secret the gateway reads (the InferenceGateway's authSecretRef holds `keys.yaml`). */
export const AUTH_KEYS_FILE = 'keys.yaml';

export interface GatewayInputs {
  gateway: InferenceGatewayObject;
  /** The listed LLMDeployments that exist. */
  deployments: LLMDeploymentObject[];
  /** The gateway's SchedulingPolicy (schedulingPolicyRef), else the first listed deployment's. */
  schedulingPolicy?: SchedulingPolicyObject;
  /** The listed deployments' CachePolicy (the first that names one). */
  cachePolicy?: CachePolicyObject;
}

function svc(name: string, ns: string, port: number): string {
  return `${name}.${ns}.svc:${port}`;
}

function kafka(ctx: RenderContext): Record<string, unknown> {
  if (!ctx.kafka) return { enabled: false };
  const { brokers, tls, sasl } = ctx.kafka;
  return { brokers, enabled: true, ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) };
}

const tlsFiles = { certFile: `${GRPC_TLS_MOUNT}/tls.crt`, keyFile: `${GRPC_TLS_MOUNT}/tls.key`, caFile: `${GRPC_TLS_MOUNT}/ca.crt` };

/** A gRPC server's `grpc.tls` (scheduler, cache-manager), when the operator has a TLS Secret. */
function grpcServerTls(ctx: RenderContext): Record<string, unknown> {
  return ctx.grpcTls ? { tls: { enabled: true, ...tlsFiles, requireClientCert: ctx.grpcTls.requireClientCert } } : {};
}

/** A gRPC channel's `tls` (the gateway's to the scheduler, the scheduler's to cache-manager): its certificate is the client's too. */
function grpcChannelTls(ctx: RenderContext): Record<string, unknown> {
  return ctx.grpcTls ? { tls: { enabled: true, ...tlsFiles } } : {};
}

/** The pods the scheduler and cache-manager watch: one deployment's model servers, else every llmd model server of the namespace. */
export function discoverySelector(g: InferenceGatewayObject): Record<string, string> {
  if (g.spec.deployments.length === 1) return modelServerSelector(g.spec.deployments[0].name);
  return { 'app.kubernetes.io/component': MODEL_SERVER_COMPONENT, 'app.kubernetes.io/managed-by': MANAGED_BY };
}

/** Data-parallel ranks per pod across the served pools (the scheduler and cache-manager take one number). */
function dataParallelRanks(deployments: LLMDeploymentObject[]): number[] {
  return deployments.flatMap((d) => {
    const plans = poolPlans(d);
    return typeof plans === 'string' ? [] : plans.map((p) => p.data);
  });
}

function models(deployments: LLMDeploymentObject[]): string[] {
  return [...new Set(deployments.flatMap((d) => [d.spec.model.name, ...(d.spec.model.loraAdapters ?? []).map((l) => l.name)]))];
}

export function gatewayConfig(ctx: RenderContext, g: InferenceGatewayObject): Record<string, unknown> {
  const c: Record<string, unknown> = {
    http: { host: '0.0.0.0', port: g.spec.gateway.port },
    ops: { host: '0.0.0.0', port: GATEWAY_OPS_PORT },
    kafka: kafka(ctx),
    scheduler: { address: svc(schedulerServiceName(g.metadata.name), ctx.namespace, SCHEDULER_GRPC_PORT), ...grpcChannelTls(ctx) },
  };
  if (g.spec.authSecretRef) c.auth = { enabled: true, keysFile: `${AUTH_MOUNT}/${AUTH_KEYS_FILE}` };
  return c;
}

export function schedulerConfig(ctx: RenderContext, inputs: GatewayInputs): Record<string, unknown> {
  const g = inputs.gateway;
  const ranks = Math.max(1, ...dataParallelRanks(inputs.deployments));
  const disaggregated = inputs.deployments.some((d) => d.spec.serving.mode === 'disaggregated');
  const c: Record<string, unknown> = {
    grpc: { host: '0.0.0.0', port: SCHEDULER_GRPC_PORT, ...grpcServerTls(ctx) },
    // For Envoy-based Gateways through the InferencePool: TLS with the same certificate, but no client
    // certificate asked (the gateways' ext_proc clients present none).
    extProc: { enabled: true, host: '0.0.0.0', port: SCHEDULER_EXT_PROC_PORT, ...(ctx.grpcTls ? { tls: { enabled: true, certFile: tlsFiles.certFile, keyFile: tlsFiles.keyFile } } : {}) },
    ops: { host: '0.0.0.0', port: SCHEDULER_OPS_PORT },
    kafka: kafka(ctx),
  };
  if (inputs.deployments.length > 0) {
    c.kubernetes = {
      namespace: ctx.namespace,
      selector: discoverySelector(g),
      targetPorts: Array.from({ length: ranks }, (_, r) => HTTP_PORT + r),
      models: models(inputs.deployments),
      roleLabel: ROLE_LABEL,
    };
  }
  Object.assign(c, schedulerPicking(inputs.schedulingPolicy, disaggregated));
  c.cacheManager = { address: svc(cacheManagerName(g.metadata.name), ctx.namespace, CACHE_MANAGER_GRPC_PORT), ...grpcChannelTls(ctx) };
  if (g.spec.flowControl) {
    const f = g.spec.flowControl;
    c.flowControl = {
      enabled: f.enabled,
      queueDepthThreshold: f.queueDepthThreshold,
      kvCacheUsageThreshold: f.kvCacheUsageThreshold,
      maxQueueSize: f.maxQueueSize,
      maxWaitMs: f.maxWaitMs,
      objectives: f.objectives ?? {},
    };
  }
  return c;
}

export function cacheManagerConfig(ctx: RenderContext, inputs: GatewayInputs): Record<string, unknown> {
  const g = inputs.gateway;
  const ranks = Math.max(1, ...dataParallelRanks(inputs.deployments));
  const policy = inputs.cachePolicy?.spec;
  const kvEvents = policy?.kvEvents ?? { enabled: true, port: 5557 };
  const c: Record<string, unknown> = {
    grpc: { host: '0.0.0.0', port: CACHE_MANAGER_GRPC_PORT, ...grpcServerTls(ctx) },
    ops: { host: '0.0.0.0', port: CACHE_MANAGER_OPS_PORT },
    kafka: kafka(ctx),
    // One ownership group per cache-manager Deployment: its replicas share the pods' sockets.
    ingest: { groupId: `llmd-cache-manager-ingest.${ctx.namespace}.${g.metadata.name}` },
  };
  if (inputs.deployments.length > 0 && kvEvents.enabled) {
    const k: Record<string, unknown> = {
      namespace: ctx.namespace,
      selector: discoverySelector(g),
      dataParallelRanks: ranks,
      kvEventsPort: kvEvents.port,
      models: models(inputs.deployments),
    };
    if (kvEvents.replayPort !== undefined) k.replayPort = kvEvents.replayPort;
    c.kubernetes = k;
  }
  const sizes = Object.fromEntries(inputs.deployments.map((d) => [d.spec.model.name, cachePlan(d, inputs.cachePolicy).blockSize]));
  c.blockSize = policy?.blockSize ?? 16;
  if (Object.keys(sizes).length > 0) c.modelBlockSizes = sizes;
  c.hashSeed = 0;
  if (policy?.maxIndexedBlocks) c.maxBlocks = policy.maxIndexedBlocks;
  return c;
}

/** What the apps cannot express of an InferenceGateway (rendered anyway, reported as conditions). */
export function gatewayGaps(ctx: RenderContext, inputs: GatewayInputs): Problem[] {
  const g = inputs.gateway;
  const out: Problem[] = [];
  const found = new Set(inputs.deployments.map((d) => d.metadata.name));
  const missing = g.spec.deployments.map((d) => d.name).filter((n) => !found.has(n));
  if (missing.length > 0) out.push({ reason: 'DeploymentNotFound', message: `LLMDeployment ${missing.join(', ')} (spec.deployments) not found` });
  if (g.spec.failureMode === 'FailClose') out.push({ reason: 'FailCloseUnsupported', message: "spec.failureMode FailClose: llmd's gateway always picks an endpoint itself when the scheduler does not answer (fail-open); only the InferencePool carries FailClose" });
  if (g.spec.deployments.length > 1) out.push({ reason: 'SharedPodSelector', message: `the scheduler and cache-manager watch one label selector: with ${g.spec.deployments.length} deployments they see every llmd model server of namespace ${ctx.namespace} (the ${MODELS_ANNOTATION} annotation gives each pod's models)` });
  if (new Set(dataParallelRanks(inputs.deployments)).size > 1) out.push({ reason: 'MixedDataParallelism', message: 'the served pools differ in data-parallel ranks; the scheduler and cache-manager take one count, the largest, and the missing ranks of smaller pods are reported stale' });
  if (!ctx.kafka) out.push({ reason: 'KafkaNotConfigured', message: "no Kafka brokers: the gateway and scheduler run without telemetry, and the cache-manager's index (built from its Kafka topic) cannot start" });
  return out;
}
