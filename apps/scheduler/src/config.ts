// The scheduler's configuration: env vars (LLMD_SCHEDULER_*) over an optional YAML file (LLMD_CONFIG).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { booleanish, clientTlsEnv, clientTlsSchema, commonEnvMap, kafkaSchema, logLevelSchema, opsSchemaFor, portSchema, serverTlsEnv, serverTlsSchema, shutdownSchema } from '@llmd/platform';
import { endpointPickerConfigSchema, SHIPPED_CONFIGS } from '@llmd/scoring';

export const staticEndpointSchema = z.object({
  id: z.string().min(1),
  address: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port'),
  models: z.array(z.string().min(1)).min(1),
  role: z.enum(['both', 'prefill', 'decode']).default('both'),
  loraAdapters: z.array(z.string()).default([]),
  labels: z.record(z.string(), z.string()).default({}),
  /** The engine's metric names: vLLM's, or SGLang's. @default 'vllm' */
  metricsFormat: z.enum(['vllm', 'sglang']).default('vllm'),
});

export type StaticEndpoint = z.infer<typeof staticEndpointSchema>;

export const kubernetesDiscoverySchema = z.object({
  namespace: z.string().min(1),
  /** matchLabels: a pod is an endpoint when it carries all of them. */
  selector: z.record(z.string().min(1), z.string()).refine((s) => Object.keys(s).length > 0, 'at least one label is required'),
  /** The serving ports on each pod; more than one is a data-parallel pod, one endpoint per port. @default [8000] */
  targetPorts: z.array(portSchema.refine((p) => p > 0, 'must be a port')).min(1).default([8000]),
  /** The models the pool serves; a pod's `llm-d.ai/models` annotation (comma-separated) overrides them. */
  models: z.array(z.string().min(1)).min(1),
  /** The label carrying a pod's role (prefill, decode, both). @default 'llm-d.ai/role' */
  roleLabel: z.string().min(1).default('llm-d.ai/role'),
  /** A kubeconfig file; without it $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig: z.string().min(1).optional(),
});

export type KubernetesDiscoveryConfig = z.infer<typeof kubernetesDiscoverySchema>;

export const schedulerConfigSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  grpc: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: portSchema.default(9002),
      /** TLS (or mutual TLS) on the gRPC port; absent: plaintext. */
      tls: serverTlsSchema.optional(),
    })
    .default({ host: '127.0.0.1', port: 9002 }),
  /**
   * The endpoint-picker port for Envoy-based gateways (the Gateway API Inference Extension's
   * protocol over Envoy's ext_proc), with gRPC health on the same port.
   */
  extProc: z
    .object({
      /** @default false */
      enabled: booleanish.default(false),
      host: z.string().default('127.0.0.1'),
      port: portSchema.default(9004),
      /** TLS (or mutual TLS) on the port; absent: plaintext. */
      tls: serverTlsSchema.optional(),
      /** Largest request body gathered before the pick; past it the request is answered 413. @default 16777216 */
      maxBodyBytes: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
      /** Deadline of admission (flow control may hold a request) and the pick, from the body's last byte. @default 30000 */
      pickTimeoutMs: z.coerce.number().int().min(1).default(30000),
      /**
       * Endpoints in the destination list: the pick, then its fallbacks in order, for a gateway that
       * retries along it. 1 for Envoy's ORIGINAL_DST cluster, which takes one address. @default 1
       */
      destinations: z.coerce.number().int().min(1).max(16).default(1),
    })
    .default({ enabled: false, host: '127.0.0.1', port: 9004, maxBodyBytes: 16 * 1024 * 1024, pickTimeoutMs: 30000, destinations: 1 }),
  ops: opsSchemaFor(9102),
  kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 }),
  shutdown: shutdownSchema.default({ graceMs: 10000 }),
  /** Endpoints known up front (a fixed fleet). */
  endpoints: z.array(staticEndpointSchema).default([]),
  /** A folder of endpoint files (one JSON per endpoint) to watch: `tools/llmd sim serve` writes them. */
  localRegistryDir: z.string().min(1).optional(),
  /** Endpoints from Kubernetes: the pods selected by label in a namespace, as an InferencePool selects them. */
  kubernetes: kubernetesDiscoverySchema.optional(),
  scrape: z
    .object({
      /** @default 50 */
      intervalMs: z.coerce.number().int().min(10).default(50),
      /** @default 1000 */
      timeoutMs: z.coerce.number().int().min(10).default(1000),
      /** A scrape older than this marks the endpoint stale (not a candidate). @default 2000 */
      staleAfterMs: z.coerce.number().int().min(50).default(2000),
    })
    .default({ intervalMs: 50, timeoutMs: 1000, staleAfterMs: 2000 }),
  /** How often an llmd.endpoint-load.v1 snapshot is published per endpoint. @default 1000 */
  loadPublishIntervalMs: z.coerce.number().int().min(50).default(1000),
  /** A picked request that never completes stops counting as in flight after this. @default 600000 */
  inFlightLeaseMs: z.coerce.number().int().min(1000).default(600000),
  /** A shipped scheduling configuration, used when `picker` is not given. @default 'precise-prefix' */
  profile: z.enum(Object.keys(SHIPPED_CONFIGS) as [string, ...string[]]).default('precise-prefix'),
  /** EndpointPickerConfig (plugins and profiles), inline or as a YAML file path; overrides `profile`. */
  picker: z.union([endpointPickerConfigSchema, z.string().min(1)]).optional(),
  /** The precise prefix index (cache-manager gRPC); without it precise scoring falls back to approximate. */
  cacheManager: z
    .object({
      address: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port').optional(),
      /** TLS (or mutual TLS) to cache-manager; absent: plaintext. */
      tls: clientTlsSchema.optional(),
    })
    .default({}),
  /** Flow control: hold requests while every endpoint is saturated; shed negative priorities. */
  flowControl: z
    .object({
      /** @default true */
      enabled: booleanish.default(true),
      /** @default 5 */
      queueDepthThreshold: z.coerce.number().int().min(1).default(5),
      /** @default 0.8 */
      kvCacheUsageThreshold: z.coerce.number().gt(0).max(1).default(0.8),
      /** @default 10000 */
      maxQueueSize: z.coerce.number().int().min(0).default(10000),
      /** Longest hold when the caller gives no deadline. @default 30000 */
      maxWaitMs: z.coerce.number().int().min(1).default(30000),
      /** Objective name -> priority (higher first; negative is sheddable). */
      objectives: z.record(z.string().min(1), z.number().int()).default({}),
    })
    .default({ enabled: true, queueDepthThreshold: 5, kvCacheUsageThreshold: 0.8, maxQueueSize: 10000, maxWaitMs: 30000, objectives: {} }),
  /** Decisions kept for GET /debug/decisions on the ops port. @default 200 */
  decisionLogSize: z.coerce.number().int().min(0).default(200),
});

export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

export const SCHEDULER_ENV: Record<string, string> = {
  ...commonEnvMap('LLMD_SCHEDULER'),
  LLMD_SCHEDULER_GRPC_HOST: 'grpc.host',
  LLMD_SCHEDULER_GRPC_PORT: 'grpc.port',
  LLMD_SCHEDULER_EXT_PROC_ENABLED: 'extProc.enabled',
  LLMD_SCHEDULER_EXT_PROC_HOST: 'extProc.host',
  LLMD_SCHEDULER_EXT_PROC_PORT: 'extProc.port',
  LLMD_SCHEDULER_EXT_PROC_MAX_BODY_BYTES: 'extProc.maxBodyBytes',
  LLMD_SCHEDULER_EXT_PROC_PICK_TIMEOUT_MS: 'extProc.pickTimeoutMs',
  LLMD_SCHEDULER_EXT_PROC_DESTINATIONS: 'extProc.destinations',
  LLMD_SCHEDULER_ENDPOINTS: 'endpoints',
  LLMD_SCHEDULER_REGISTRY_DIR: 'localRegistryDir',
  LLMD_SCHEDULER_KUBERNETES: 'kubernetes',
  LLMD_SCHEDULER_SCRAPE_INTERVAL_MS: 'scrape.intervalMs',
  LLMD_SCHEDULER_STALE_AFTER_MS: 'scrape.staleAfterMs',
  LLMD_SCHEDULER_LOAD_PUBLISH_INTERVAL_MS: 'loadPublishIntervalMs',
  LLMD_SCHEDULER_PICKER_CONFIG: 'picker',
  LLMD_SCHEDULER_PROFILE: 'profile',
  LLMD_SCHEDULER_CACHE_MANAGER_ADDRESS: 'cacheManager.address',
  LLMD_SCHEDULER_OBJECTIVES: 'flowControl.objectives',
  LLMD_SCHEDULER_FLOW_CONTROL_ENABLED: 'flowControl.enabled',
  ...serverTlsEnv('LLMD_SCHEDULER_GRPC', 'grpc.tls'),
  ...serverTlsEnv('LLMD_SCHEDULER_EXT_PROC', 'extProc.tls'),
  ...clientTlsEnv('LLMD_SCHEDULER_CACHE_MANAGER', 'cacheManager.tls'),
};

/** The picker config as an object: inline, read from the YAML file it names, or the shipped profile. */
export function resolvePickerConfig(config: Pick<SchedulerConfig, 'picker' | 'profile'>): unknown {
  const { picker } = config;
  if (picker === undefined) return SHIPPED_CONFIGS[config.profile];
  if (typeof picker !== 'string') return picker;
  return parseYaml(readFileSync(picker, 'utf8'));
}

export const SCHEDULER_CONFIG = Symbol('SCHEDULER_CONFIG');
