// Creates llmd's topics idempotently, and reads them back as JSON (decoded from protobuf).
import { Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS, endpointLoadCodec, KV_INDEX_CHECKPOINTS_TOPIC, KV_INDEX_CHECKPOINTS_TOPIC_CONFIG, KV_INGEST_OWNERS_TOPIC, kvEventBatchCodec, requestMetricsCodec, scalingDecisionCodec, TopicCodec } from '@llmd/telemetry';

const PARTITIONS: Record<string, number> = { 'llmd.kv-events.v1': 6, 'llmd.endpoint-load.v1': 3, 'llmd.request-metrics.v1': 3, [KV_INGEST_OWNERS_TOPIC]: 64, [KV_INDEX_CHECKPOINTS_TOPIC]: 1 };

/**
 * What the stack creates before its services start: the record topics, cache-manager's ingest
 * ownership topic (no records) and its index checkpoints (compacted). cache-manager would create the
 * last two itself, but a topic made while its consumers join answers "not the leader" until its
 * leaders are known, which kafkajs logs.
 */
const STACK_TOPICS: readonly string[] = [...ALL_TOPICS, KV_INGEST_OWNERS_TOPIC, KV_INDEX_CHECKPOINTS_TOPIC];

/**
 * Retention per topic. cache-manager rebuilds its index from its checkpoints and the part of
 * llmd.kv-events.v1 after them, so that topic's retention need only be far longer than the checkpoint
 * interval (30 s); a day also lets a replica without checkpoints rebuild from the topic alone.
 */
const RETENTION_MS: Record<string, string> = { 'llmd.kv-events.v1': String(24 * 3600 * 1000), 'llmd.endpoint-load.v1': String(24 * 3600 * 1000), 'llmd.request-metrics.v1': String(7 * 24 * 3600 * 1000) };

/** Topics that are not retained by time: the checkpoints are compacted (cache-manager's own settings). */
const CONFIGS: Record<string, { name: string; value: string }[]> = {
  [KV_INDEX_CHECKPOINTS_TOPIC]: [...KV_INDEX_CHECKPOINTS_TOPIC_CONFIG],
};

export const CODECS: Record<string, TopicCodec<unknown>> = Object.fromEntries(
  [kvEventBatchCodec, endpointLoadCodec, requestMetricsCodec, scalingDecisionCodec].map((c) => [c.topic, c as TopicCodec<unknown>]),
);

function client(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'llmd-cli', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/** Creates the design's topics; existing ones are left as they are. Returns the topics it created. */
export async function ensureTopics(bootstrap: string): Promise<string[]> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = STACK_TOPICS.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: PARTITIONS[topic] ?? 3, replicationFactor: 1, configEntries: CONFIGS[topic] ?? [{ name: 'retention.ms', value: RETENTION_MS[topic] ?? String(7 * 24 * 3600 * 1000) }] })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}

export interface TailOptions {
  fromBeginning: boolean;
  /** Stop after this many records. */
  max?: number;
  /** Stop after this long without a new record (ms). */
  idleMs?: number;
}

/** Prints each record of `topic` as one JSON line: key, partition, offset, headers, decoded value. */
export async function tailTopic(bootstrap: string, topic: string, options: TailOptions, write: (line: string) => void): Promise<number> {
  const codec = CODECS[topic];
  if (!codec) throw new Error(`unknown topic ${topic} (llmd's topics: ${ALL_TOPICS.join(', ')})`);
  const consumer = client(bootstrap).consumer({ groupId: `llmd-cli-tail-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: options.fromBeginning });
  let count = 0;
  let lastAt = Date.now();
  await new Promise<void>((resolve) => {
    const idleMs = options.idleMs;
    const idle = idleMs ? setInterval(() => Date.now() - lastAt > idleMs && resolve(), 200) : undefined;
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        lastAt = Date.now();
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        const value = message.value ? codec.decode(message.value) : null;
        write(JSON.stringify({ topic, partition, offset: message.offset, key: message.key?.toString(), headers, value }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
        count++;
        if (options.max !== undefined && count >= options.max) resolve();
      },
    });
    process.once('SIGINT', () => resolve());
    if (idle) consumer.on(consumer.events.STOP, () => clearInterval(idle));
  });
  await consumer.disconnect();
  return count;
}
