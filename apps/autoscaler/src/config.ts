// The autoscaler's configuration: env vars (LLMD_AUTOSCALER_*) over an optional YAML file (LLMD_CONFIG).
import { hostname } from 'node:os';
import { z } from 'zod';
import { booleanish, commonEnvMap, kafkaSchema, logLevelSchema, opsSchemaFor, shutdownSchema } from '@llmd/platform';

const dns1123 = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label');
const identity = `${hostname()}-${process.pid}`;

export const leaderElectionSchema = z.object({
  /** Only the holder of the Lease decides and writes (kubernetes actuator); off for a single replica. @default true */
  enabled: booleanish.default(true),
  /** Namespace of the Lease. @default the pod's namespace (POD_NAMESPACE), else 'default' */
  namespace: dns1123.default(process.env.POD_NAMESPACE || 'default'),
  /** @default llmd-autoscaler */
  leaseName: dns1123.default('llmd-autoscaler'),
  /** This replica's name in the Lease. @default <hostname>-<pid> */
  identity: z.string().min(1).max(128).default(identity),
});

export const autoscalerConfigSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  ops: opsSchemaFor(9104),
  kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 }),
  shutdown: shutdownSchema.default({ graceMs: 10000 }),
  /**
   * Consumer group prefix. Each replica reads every partition of the input topics in a group of its
   * own (`<groupId>-load-<identity>`, `<groupId>-requests-<identity>`): the one that decides must see all pools' load. @default 'llmd-autoscaler'
   */
  groupId: z.string().min(1).default('llmd-autoscaler'),
  /** An endpoint silent for longer than this no longer counts in its pool. @default 10000 */
  endpointTtlMs: z.coerce.number().int().min(100).default(10000),
  /** Where pools are listed and scaled: a cluster's ServingPools, the local stack, or nowhere (load gauges only). @default 'none' */
  actuator: z.enum(['kubernetes', 'local', 'none']).default('none'),
  /** scale: write the decisions; recommend: gauges, topic and /debug/decisions only (an HPA or KEDA acts). @default 'scale' */
  mode: z.enum(['scale', 'recommend']).default('scale'),
  /** Seconds between decisions (the HPA's sync period). @default 15 */
  syncSeconds: z.coerce.number().min(0.1).max(3600).default(15),
  /** Decisions per pool kept for GET /debug/decisions. @default 50 */
  decisionsPerPool: z.coerce.number().int().min(1).max(10000).default(50),
  /** At start, read the request-metrics topic's retained records into the predictive policy's history. @default true */
  seedHistory: booleanish.default(true),
  local: z
    .object({
      /** Base URL of the local stack's pool control server. @default http://127.0.0.1:9106 */
      url: z.url().default('http://127.0.0.1:9106'),
    })
    .default({ url: 'http://127.0.0.1:9106' }),
  kubernetes: z
    .object({
      /** Namespace whose ServingPools are autoscaled; absent: all namespaces. */
      namespace: dns1123.optional(),
      /** Path of a kubeconfig; else $KUBECONFIG, ~/.kube/config, else in-cluster credentials. */
      kubeconfig: z.string().min(1).optional(),
    })
    .default({}),
  leaderElection: leaderElectionSchema.default(leaderElectionSchema.parse({})),
});

export type AutoscalerConfig = z.infer<typeof autoscalerConfigSchema>;

export const AUTOSCALER_ENV: Record<string, string> = {
  ...commonEnvMap('LLMD_AUTOSCALER'),
  LLMD_AUTOSCALER_GROUP_ID: 'groupId',
  LLMD_AUTOSCALER_ENDPOINT_TTL_MS: 'endpointTtlMs',
  LLMD_AUTOSCALER_ACTUATOR: 'actuator',
  LLMD_AUTOSCALER_MODE: 'mode',
  LLMD_AUTOSCALER_SYNC_SECONDS: 'syncSeconds',
  LLMD_AUTOSCALER_DECISIONS_PER_POOL: 'decisionsPerPool',
  LLMD_AUTOSCALER_SEED_HISTORY: 'seedHistory',
  LLMD_AUTOSCALER_LOCAL_URL: 'local.url',
  LLMD_AUTOSCALER_NAMESPACE: 'kubernetes.namespace',
  KUBECONFIG: 'kubernetes.kubeconfig',
  LLMD_AUTOSCALER_KUBECONFIG: 'kubernetes.kubeconfig',
  LLMD_AUTOSCALER_LEADER_ELECTION: 'leaderElection.enabled',
  LLMD_AUTOSCALER_LEADER_ELECTION_NAMESPACE: 'leaderElection.namespace',
  LLMD_AUTOSCALER_LEASE_NAME: 'leaderElection.leaseName',
  LLMD_AUTOSCALER_IDENTITY: 'leaderElection.identity',
};
