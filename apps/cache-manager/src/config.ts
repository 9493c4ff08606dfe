// cache-manager's configuration: env vars (LLMD_CACHE_MANAGER_*) over an optional YAML file (LLMD_CONFIG).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { KV_INDEX_CHECKPOINTS_TOPIC, KV_INGEST_OWNERS_TOPIC } from '@llmd/telemetry';
import { booleanish, commonEnvMap, kafkaSchema, logLevelSchema, opsSchemaFor, portSchema, serverTlsEnv, serverTlsSchema, shutdownSchema } from '@llmd/platform';

const zmqEndpoint = z.string().regex(/^(tcp|ipc):\/\/[^\s]+$/, 'expected a ZMQ endpoint like tcp://10.0.0.5:5557');

/** A vLLM pod whose KV events are ingested (the fields other than kvEvents are ignored here). */
export const podSchema = z.object({
  id: z.string().min(1),
  models: z.array(z.string().min(1)).min(1).optional(),
  kvEvents: z.object({ endpoint: zmqEndpoint, replayEndpoint: zmqEndpoint.optional() }),
});

/** A local-registry file: pods without kvEvents are simply not ingested. */
export const registryPodSchema = z.looseObject({ id: z.string().min(1), kvEvents: podSchema.shape.kvEvents.optional() });

export type PodConfig = z.infer<typeof podSchema>;

/** KV event sockets of the pods a label selector picks in a namespace (the scheduler's pool). */
export const kubernetesPodsSchema = z.object({
  namespace: z.string().min(1),
  /** matchLabels: the same selector as the scheduler's, so both see the same pods. */
  selector: z.record(z.string().min(1), z.string()).refine((s) => Object.keys(s).length > 0, 'at least one label is required'),
  /** Data-parallel ranks per pod: rank N publishes on kvEventsPort + N (vLLM's rule). Must match the scheduler's target ports. @default 1 */
  dataParallelRanks: z.coerce.number().int().min(1).default(1),
  /** vLLM's `--kv-events-config` endpoint port on each pod. @default 5557 */
  kvEventsPort: portSchema.refine((p) => p > 0, 'must be a port').default(5557),
  /** The replay (ROUTER) port, when the pods publish one. */
  replayPort: portSchema.refine((p) => p > 0, 'must be a port').optional(),
  /** The models the pool serves; a pod's `llm-d.ai/models` annotation overrides them. */
  models: z.array(z.string().min(1)).min(1).optional(),
  /** A kubeconfig file; without it $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig: z.string().min(1).optional(),
});

export type KubernetesPodsConfig = z.infer<typeof kubernetesPodsSchema>;

/**
 * KV-event ingestion across replicas: each pod is ingested by exactly one replica, the one the
 * ownership consumer group gives the partition the pod's id hashes onto. A replica that dies loses its
 * partitions once its session times out: take-over within sessionTimeoutMs + 2 x heartbeatIntervalMs,
 * plus one replay request (at most 2 s) and the time to read the topic to its end.
 */
export const ingestSchema = z.object({
  /** Consumer group the ingesting replicas share (one per deployment: every replica of it, and only those). @default llmd-cache-manager-ingest */
  groupId: z.string().min(1).default('llmd-cache-manager-ingest'),
  /** The ownership topic: carries no records, its partitions are what the group shares out. @default llmd.kv-ingest-owners.v1 */
  ownershipTopic: z.string().min(1).default(KV_INGEST_OWNERS_TOPIC),
  /** Partitions of the ownership topic when a replica creates it; more replicas than this stay idle. @default 64 */
  ownershipPartitions: z.coerce.number().int().min(1).max(10000).default(64),
  /** A replica silent this long is dead and its pods move (the broker's group.min.session.timeout.ms, 6 s by default, is the floor). @default 10000 */
  sessionTimeoutMs: z.coerce.number().int().min(1000).default(10000),
  /** Heartbeat period of the ownership group. @default 1000 */
  heartbeatIntervalMs: z.coerce.number().int().min(100).default(1000),
  /** KV-event batches buffered for Kafka before reading the pods' sockets pauses (back-pressure, never a drop). @default 10000 */
  bufferBatches: z.coerce.number().int().min(1).default(10000),
}).refine((i) => i.heartbeatIntervalMs * 3 <= i.sessionTimeoutMs, { message: 'heartbeatIntervalMs must be at most a third of sessionTimeoutMs', path: ['heartbeatIntervalMs'] });

export type IngestConfig = z.infer<typeof ingestSchema>;

export const INGEST_DEFAULTS: IngestConfig = ingestSchema.parse({});

/**
 * Checkpoints of the index on a compacted topic: a start restores the newest one of each KV-event
 * partition and reads the topic only after it, so start-up no longer grows with the topic's retention.
 * The KV-event topic's retention must stay well above the interval (a day against seconds by default).
 */
export const checkpointSchema = z.object({
  /** Off: every start reads the whole KV-event topic. @default true */
  enabled: booleanish.default(true),
  /** The compacted topic (created by the first replica when missing). @default llmd.kv-index-checkpoints.v1 */
  topic: z.string().min(1).default(KV_INDEX_CHECKPOINTS_TOPIC),
  /** How often a partition that moved on is checkpointed (by the replica that owns its share of pods). @default 30000 */
  intervalMs: z.coerce.number().int().min(1000).default(30000),
});

export const cacheManagerConfigSchema = z.object({
  logLevel: logLevelSchema.default('info'),
  grpc: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: portSchema.default(9003),
      /** TLS (or mutual TLS) on the gRPC port; absent: plaintext. */
      tls: serverTlsSchema.optional(),
    })
    .default({ host: '127.0.0.1', port: 9003 }),
  ops: opsSchemaFor(9103),
  kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 }),
  shutdown: shutdownSchema.default({ graceMs: 10000 }),
  /**
   * Consumer group of this replica's index. Every replica must read every KV event (each holds the full
   * index), so no two replicas may share it: the default is unique per process (no offsets are
   * committed, so the group leaves nothing behind). @default `llmd-cache-manager-<hostname>-<pid>-<random>`
   */
  groupId: z.string().min(1).default(`llmd-cache-manager-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`),
  /** Which replica ingests which pod, and the KV-event producer's buffer. */
  ingest: ingestSchema.default(INGEST_DEFAULTS),
  /** Checkpoints of the index, so that a start does not read the whole KV-event topic. */
  checkpoint: checkpointSchema.default(checkpointSchema.parse({})),
  /** Pods whose ZMQ KV-event sockets are ingested. */
  pods: z.array(podSchema).default([]),
  /** A local registry folder of pod files (pods with a kvEvents entry are ingested). */
  localRegistryDir: z.string().min(1).optional(),
  /** Pods from Kubernetes: their KV event sockets on the pod IP, subscribed while the pod is ready. */
  kubernetes: kubernetesPodsSchema.optional(),
  /**
   * KV block size of the pods, in tokens, where `modelBlockSizes` does not say otherwise. Only until a
   * pod's first BlockStored event: from then on the size the pod reports is used. @default 16
   */
  blockSize: z.coerce.number().int().min(1).default(16),
  /** Block size per model (pods serving different models may use different --block-size), until their events say. */
  modelBlockSizes: z.record(z.string().min(1), z.number().int().min(1)).default({}),
  /** Seed of llmd's block keys (independent of the engines' PYTHONHASHSEED). @default 0 */
  hashSeed: z.coerce.number().int().default(0),
  /** Blocks the index holds at most (least recently stored evicted first). @default 10000000 */
  maxBlocks: z.coerce.number().int().min(1).default(10_000_000),
  /** How long a speculative entry (a prompt just routed to a pod) counts before the pod's events confirm it. @default 2000 */
  speculativeTtlMs: z.coerce.number().int().min(1).default(2000),
  /**
   * Tokenizer per model (its pods' tokenizer and chat template): a Hugging Face model directory
   * (`tokenizer.json`, `tokenizer_config.json`) or `builtin:llama-3|qwen3|gemma-3|deepseek-v3|gpt-oss`.
   * @default {}
   */
  tokenizers: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Where a model not named in `tokenizers` is looked for: `<tokenizerRoot>/<model>/tokenizer.json`. @default /model-cache */
  tokenizerRoot: z.string().min(1).default('/model-cache'),
  /** Last resort: a built-in tokenizer guessed from the model's name (the local stack's models). @default true */
  builtinTokenizers: booleanish.default(true),
  /** Prompts whose token ids are kept, so a request's Speculate and repeats are not re-tokenized. @default 1024 */
  tokenizationCacheEntries: z.coerce.number().int().min(1).default(1024),
  /** Tokenizations running at once (the native encoder's threads are libuv's pool, 4 by default). @default 4 */
  tokenizeConcurrency: z.coerce.number().int().min(1).default(4),
  /** Weights of each tier in Score's prefix score (a CachePolicy's defaults). */
  tierWeights: z.object({ gpu: z.number().min(0).max(1).default(1), cpu: z.number().min(0).max(1).default(0.8), disk: z.number().min(0).max(1).default(0.5) }).default({ gpu: 1, cpu: 0.8, disk: 0.5 }),
});

export type CacheManagerConfig = z.infer<typeof cacheManagerConfigSchema>;

export const CACHE_MANAGER_ENV: Record<string, string> = {
  ...commonEnvMap('LLMD_CACHE_MANAGER'),
  LLMD_CACHE_MANAGER_GRPC_HOST: 'grpc.host',
  LLMD_CACHE_MANAGER_GRPC_PORT: 'grpc.port',
  LLMD_CACHE_MANAGER_GROUP_ID: 'groupId',
  LLMD_CACHE_MANAGER_PODS: 'pods',
  LLMD_CACHE_MANAGER_REGISTRY_DIR: 'localRegistryDir',
  LLMD_CACHE_MANAGER_KUBERNETES: 'kubernetes',
  LLMD_CACHE_MANAGER_BLOCK_SIZE: 'blockSize',
  LLMD_CACHE_MANAGER_MODEL_BLOCK_SIZES: 'modelBlockSizes',
  LLMD_CACHE_MANAGER_MAX_BLOCKS: 'maxBlocks',
  LLMD_CACHE_MANAGER_INGEST_GROUP_ID: 'ingest.groupId',
  LLMD_CACHE_MANAGER_CHECKPOINT_ENABLED: 'checkpoint.enabled',
  LLMD_CACHE_MANAGER_CHECKPOINT_TOPIC: 'checkpoint.topic',
  LLMD_CACHE_MANAGER_CHECKPOINT_INTERVAL_MS: 'checkpoint.intervalMs',
  LLMD_CACHE_MANAGER_INGEST_TOPIC: 'ingest.ownershipTopic',
  LLMD_CACHE_MANAGER_INGEST_PARTITIONS: 'ingest.ownershipPartitions',
  LLMD_CACHE_MANAGER_INGEST_SESSION_TIMEOUT_MS: 'ingest.sessionTimeoutMs',
  LLMD_CACHE_MANAGER_INGEST_HEARTBEAT_MS: 'ingest.heartbeatIntervalMs',
  LLMD_CACHE_MANAGER_INGEST_BUFFER_BATCHES: 'ingest.bufferBatches',
  LLMD_CACHE_MANAGER_TOKENIZERS: 'tokenizers',
  LLMD_CACHE_MANAGER_TOKENIZER_ROOT: 'tokenizerRoot',
  LLMD_CACHE_MANAGER_BUILTIN_TOKENIZERS: 'builtinTokenizers',
  LLMD_CACHE_MANAGER_TOKENIZATION_CACHE_ENTRIES: 'tokenizationCacheEntries',
  LLMD_CACHE_MANAGER_TOKENIZE_CONCURRENCY: 'tokenizeConcurrency',
  ...serverTlsEnv('LLMD_CACHE_MANAGER_GRPC', 'grpc.tls'),
};
