// llmd's Kafka topics. The version is part of the name: a breaking schema change gets a new topic.
export const TOPICS = {
  kvEvents: 'llmd.kv-events.v1',
  endpointLoad: 'llmd.endpoint-load.v1',
  requestMetrics: 'llmd.request-metrics.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: readonly TopicName[] = Object.values(TOPICS);

/** Record headers every llmd topic carries. */
export const CONTENT_TYPE_HEADER = 'content-type';
export const MESSAGE_TYPE_HEADER = 'message-type';
export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
