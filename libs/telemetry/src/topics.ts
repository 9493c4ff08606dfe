// llmd's Kafka topics. The version is part of the name: a breaking schema change gets a new topic.
export const TOPICS = {
  kvEvents: 'llmd.kv-events.v1',
  endpointLoad: 'llmd.endpoint-load.v1',
  requestMetrics: 'llmd.request-metrics.v1',
  /** Every decision of the autoscaler, with its reason, applied or not; key = namespace/pool. */
  scalingDecisions: 'llmd.scaling-decisions.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: readonly TopicName[] = Object.values(TOPICS);

/** Record headers every llmd topic carries. */
export const CONTENT_TYPE_HEADER = 'content-type';
export const MESSAGE_TYPE_HEADER = 'message-type';
export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

/**
 * On a llmd.kv-events.v1 record that cache-manager published to clear a pod (not a batch of the
 * pod's own): why (gap-unrecoverable, restart, pod-start, gone). Readers treat the pod's earlier
 * records as void; a new ingesting replica resumes the pod from its replay buffer, not after this.
 */
export const KV_CLEAR_REASON_HEADER = 'llmd-clear-reason';

/**
 * Ownership of KV-event ingestion: cache-manager replicas share this topic's partitions in one
 * consumer group (pods hashed onto them). It carries no records, so it is not among ALL_TOPICS.
 */
export const KV_INGEST_OWNERS_TOPIC = 'llmd.kv-ingest-owners.v1';

/**
 * Checkpoints of cache-manager's index (compacted; msgpack, not protobuf): per partition of
 * llmd.kv-events.v1, the state its records give up to an offset, so a starting replica reads the
 * newest checkpoint and the KV-event topic after it. Not among ALL_TOPICS (not a record stream).
 */
export const KV_INDEX_CHECKPOINTS_TOPIC = 'llmd.kv-index-checkpoints.v1';

/**
 * The checkpoint topic's settings, whoever creates it (cache-manager, or the local CLI): compacted, with
 * segments rolled often enough that compaction (which skips the active segment) keeps it small.
 */
export const KV_INDEX_CHECKPOINTS_TOPIC_CONFIG: readonly { name: string; value: string }[] = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.ms', value: String(10 * 60 * 1000) },
  { name: 'delete.retention.ms', value: String(60 * 60 * 1000) },
];
