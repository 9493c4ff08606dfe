// The operator's configuration: env vars (LLMD_OPERATOR_*) over an optional YAML file (LLMD_CONFIG).
import { hostname } from 'node:os';
import { z } from 'zod';
import { booleanish, KAFKA_SECURITY_ENV, kafkaSaslSchema, kafkaTlsSchema, logLevelSchema, opsDebugEnvMap, opsSchemaFor, shutdownSchema } from '@llmd/platform';
import { llmdVersion } from './version';

const dns1123 = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label');

const commaList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(',').map((s) => s.trim()).filter(Boolean)));

/** A container image reference: no spaces, at most one tag or digest. */
const image = z.string().regex(/^([\w.-]+(:\d+)?\/)?[a-z0-9][\w./-]*(:\w[\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, 'must be an image reference such as repo/name:tag');

/** The vLLM image pods run unless an LLMDeployment names its own (pinned: a moving tag would change pods under a running fleet). */
export const DEFAULT_VLLM_IMAGE = 'vllm/vllm-openai:v0.11.0';

const version = llmdVersion();

export const imagesSchema = z.object({
  /** vLLM serving pods. @default vllm/vllm-openai:v0.11.0 */
  vllm: image.default(DEFAULT_VLLM_IMAGE),
  /** Pods of an LLMDeployment with `simulated: true`. @default llmd-vllm-sim:<version> */
  vllmSim: image.default(`llmd-vllm-sim:${version}`),
  /** @default llmd-gateway:<version> */
  gateway: image.default(`llmd-gateway:${version}`),
  /** @default llmd-scheduler:<version> */
  scheduler: image.default(`llmd-scheduler:${version}`),
  /** @default llmd-cache-manager:<version> */
  cacheManager: image.default(`llmd-cache-manager:${version}`),
});

/**
 * The Kafka the services an InferenceGateway runs use: brokers, TLS and SASL in the services' own
 * `kafka` keys (rendered into their configs as they are), and the Secrets those files live in.
 */
export const operatorKafkaSchema = z.object({
  brokers: commaList.pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1)),
  tls: kafkaTlsSchema.optional(),
  // The services' configs are ConfigMaps: a password can only reach them as a file of a Secret.
  sasl: kafkaSaslSchema.refine((s) => s.password === undefined, { path: ['password'], message: "would be rendered into the services' ConfigMaps: use passwordFile, a key of a Secret in kafka.secrets" }).optional(),
  /**
   * Secrets mounted whole and read-only into the gateway, scheduler and cache-manager pods (each
   * InferenceGateway's namespace must hold them), e.g. Strimzi's `<cluster>-cluster-ca-cert` and a
   * KafkaUser's Secret: the chart's `kafkaSecrets`. @default []
   */
  secrets: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be a Secret name'),
        mountPath: z.string().regex(/^\/.+/, 'must be an absolute path'),
      }),
    )
    .default([]),
});

/**
 * TLS on the gRPC hops of every InferenceGateway's services (gateway -> scheduler -> cache-manager):
 * a Secret in cert-manager's layout (tls.crt, tls.key, ca.crt), in each InferenceGateway's
 * namespace, whose certificate names the scheduler's and cache-manager's Services and allows both
 * server and client auth. Absent: plaintext.
 */
export const operatorGrpcTlsSchema = z.object({
  secretName: z.string().regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be a Secret name'),
  /** Mutual TLS: the scheduler and cache-manager refuse callers without a certificate from ca.crt. @default true */
  requireClientCert: booleanish.default(true),
});

export const leaderElectionSchema = z.object({
  /** Only the holder of the Lease reconciles; off for a single replica you trust to be alone. @default true */
  enabled: booleanish.default(true),
  /** Namespace of the Lease. @default the pod's namespace (POD_NAMESPACE), else 'default' */
  namespace: dns1123.default(process.env.POD_NAMESPACE || 'default'),
  /** @default llmd-operator */
  leaseName: dns1123.default('llmd-operator'),
  /** This replica's name in the Lease. @default <hostname>-<pid> */
  identity: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
});

export const operatorConfigSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  ops: opsSchemaFor(9105),
  shutdown: shutdownSchema.default({ graceMs: 10000 }),
  /** Path of a kubeconfig; else ~/.kube/config, else in-cluster credentials; with none of them the operator idles. */
  kubeconfig: z.string().min(1).optional(),
  /** Namespaces whose llm-d.io resources are reconciled; empty means all. @default [] */
  watchNamespaces: commaList.pipe(z.array(dns1123)).default([]),
  /** Reconciles one controller runs at once (each on a different object). @default 4 */
  concurrency: z.coerce.number().int().min(1).max(64).default(4),
  images: imagesSchema.default(imagesSchema.parse({})),
  /** Kafka as rendered into the gateway's, scheduler's and cache-manager's config; absent: they run without Kafka. */
  kafka: operatorKafkaSchema.optional(),
  /** TLS (mutual by default) on the gRPC hops of the services it renders; absent: plaintext. */
  grpcTls: operatorGrpcTlsSchema.optional(),
  leaderElection: leaderElectionSchema.default(leaderElectionSchema.parse({})),
  /** Every object is reconciled again this often, events or not (level-triggered safety net). @default 300000 */
  resyncIntervalMs: z.coerce.number().int().min(1000).default(300000),
  /** How often the operator checks whether the InferencePool CRD is installed. @default 30000 */
  crdCheckIntervalMs: z.coerce.number().int().min(100).default(30000),
});

export type OperatorConfig = z.infer<typeof operatorConfigSchema>;

export const OPERATOR_ENV: Record<string, string> = {
  LLMD_OPERATOR_OPS_PORT: 'ops.port',
  LLMD_OPERATOR_OPS_HOST: 'ops.host',
  ...opsDebugEnvMap('LLMD_OPERATOR'),
  LLMD_LOG_LEVEL: 'logLevel',
  LLMD_SHUTDOWN_GRACE_MS: 'shutdown.graceMs',
  LLMD_OPERATOR_WATCH_NAMESPACES: 'watchNamespaces',
  LLMD_OPERATOR_CONCURRENCY: 'concurrency',
  LLMD_OPERATOR_GRPC_TLS_SECRET: 'grpcTls.secretName',
  LLMD_OPERATOR_GRPC_TLS_REQUIRE_CLIENT_CERT: 'grpcTls.requireClientCert',
  KUBECONFIG: 'kubeconfig',
  LLMD_OPERATOR_KUBECONFIG: 'kubeconfig',
  LLMD_OPERATOR_IMAGE_VLLM: 'images.vllm',
  LLMD_OPERATOR_IMAGE_VLLM_SIM: 'images.vllmSim',
  LLMD_OPERATOR_IMAGE_GATEWAY: 'images.gateway',
  LLMD_OPERATOR_IMAGE_SCHEDULER: 'images.scheduler',
  LLMD_OPERATOR_IMAGE_CACHE_MANAGER: 'images.cacheManager',
  LLMD_KAFKA_BROKERS: 'kafka.brokers',
  ...KAFKA_SECURITY_ENV,
  LLMD_OPERATOR_LEADER_ELECTION: 'leaderElection.enabled',
  LLMD_OPERATOR_LEADER_ELECTION_NAMESPACE: 'leaderElection.namespace',
  LLMD_OPERATOR_LEASE_NAME: 'leaderElection.leaseName',
  LLMD_OPERATOR_IDENTITY: 'leaderElection.identity',
  LLMD_OPERATOR_RESYNC_INTERVAL_MS: 'resyncIntervalMs',
  LLMD_OPERATOR_CRD_CHECK_INTERVAL_MS: 'crdCheckIntervalMs',
};
