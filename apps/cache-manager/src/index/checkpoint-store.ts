// The checkpoint topic (compacted, keyed by partition/slot/chunk): read whole at start, written by one
// replica per KV-event partition into the slot not holding the newest checkpoint, so compaction keeps
// at most two per partition and one of them is always complete.
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { KV_INDEX_CHECKPOINTS_TOPIC_CONFIG } from '@llmd/telemetry';
import { CheckpointAssembler, checkpointRecords, leftoverKeys, PartitionCheckpoint } from './checkpoint';

/** Under the 1 MiB a broker takes in one message by default, with room for the batch around it. */
const CHUNK_BYTES = 512 * 1024;

export class CheckpointStore {
  private producer: Producer | undefined;
  /** Per partition, the slot of the newest checkpoint known (read at start, or written since). */
  private readonly newestSlot = new Map<number, number>();
  /** Per `partition/slot`, the chunk keys known to be there. */
  private readonly chunksIn = new Map<string, number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly logger: Logger,
  ) {}

  /** Creates the topic (compacted) when it is missing; an existing one keeps its settings. */
  async ensureTopic(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if ((await admin.listTopics()).includes(this.topic)) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{
          topic: this.topic,
          numPartitions: 1,
          configEntries: [...KV_INDEX_CHECKPOINTS_TOPIC_CONFIG],
        }],
      }).catch((err: Error) => {
        // Another replica made it meanwhile.
        if (!/exists/i.test(err.message)) throw err;
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Every record the topic holds now, read to its end: the newest complete checkpoint per KV-event partition. */
  async readAll(groupId: string, timeoutMs: number): Promise<Map<number, PartitionCheckpoint>> {
    await this.ensureTopic();
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, number>;
    try {
      ends = new Map((await admin.fetchTopicOffsets(this.topic)).filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const read = new CheckpointAssembler();
    if (ends.size > 0) {
      const consumer = this.kafka.consumer({ groupId, retry: { retries: 5 } });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the checkpoint topic ${this.topic} was not read to its end within ${timeoutMs} ms`)), timeoutMs);
          consumer.on(consumer.events.CRASH, (e) => {
            clearTimeout(timer);
            reject(e.payload.error);
          });
          void consumer.run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));
              read.add(message.key?.toString() ?? '', message.value, headers);
              if (Number(message.offset) + 1 >= (ends.get(partition) ?? 0)) ends.delete(partition);
              if (ends.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          });
        });
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
    }
    for (const [slot, n] of read.chunkKeys()) this.chunksIn.set(slot, n);
    const latest = read.latest();
    for (const [partition, { slot }] of latest) this.newestSlot.set(partition, slot);
    return new Map([...latest].map(([partition, { checkpoint }]) => [partition, checkpoint]));
  }

  /** Writes a checkpoint whole into the slot not holding the newest one, then deletes chunk keys of that slot past its end. Returns the bytes written. */
  async write(c: PartitionCheckpoint): Promise<number> {
    if (!this.producer) {
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { retries: 5 } });
      await producer.connect();
      this.producer = producer;
    }
    const slot = 1 - (this.newestSlot.get(c.partition) ?? 1);
    const records = checkpointRecords(c, slot, CHUNK_BYTES);
    // One chunk per send: a request stays under the broker's size limit whatever the checkpoint's size.
    for (const r of records) await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key: r.key, value: r.value, headers: r.headers }] });
    this.newestSlot.set(c.partition, slot);
    // A smaller checkpoint than the slot held before: the chunks past its end are deleted.
    const stale = leftoverKeys(c.partition, slot, records.length, this.chunksIn.get(`${c.partition}/${slot}`) ?? 0);
    if (stale.length > 0) await this.producer.send({ topic: this.topic, acks: -1, messages: stale.map((key) => ({ key, value: null })) });
    this.chunksIn.set(`${c.partition}/${slot}`, records.length);
    const bytes = records.reduce((n, r) => n + (r.value?.length ?? 0), 0);
    this.logger.debug({ partition: c.partition, slot, offset: c.offset, pods: c.pods.length, bytes, deleted: stale.length }, 'index checkpoint written');
    return bytes;
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }
}
