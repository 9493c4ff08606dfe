// Exclusive ownership of work through a Kafka consumer group: the members of `groupId` share the
// partitions of a small topic that carries no records; each partition is owned by exactly one live
// member, and the group coordinator moves a dead member's partitions to the others once its session
// times out. Callers map their work onto the partitions (e.g. a pod id hashed) and do only their own.
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/** Pure: the partition a key of work belongs to (FNV-1a over its UTF-8 bytes, so every member agrees). */
export function partitionOfKey(key: string, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) throw new RangeError(`partitionCount must be a positive integer, got ${partitionCount}`);
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitionCount;
}

export interface PartitionOwnershipOptions {
  kafka: Kafka;
  logger: Logger;
  groupId: string;
  topic: string;
  /** Partitions of the topic when this member creates it (an existing topic keeps its own). */
  partitions: number;
  /** A member that sends no heartbeat for this long is dead and loses its partitions. */
  sessionTimeoutMs: number;
  /** How often a member heartbeats, and so how soon a live member learns of a rebalance. */
  heartbeatIntervalMs: number;
  /**
   * Called with the partitions this member owns after each rebalance that changed them, out of
   * `partitionCount`: the caller stops what it no longer owns and starts what is new (a diff).
   */
  onAssigned: (owned: number[], partitionCount: number) => void;
}

export class PartitionOwnership {
  private readonly consumer: Consumer;
  private stopped = false;
  private joinedOnce = false;
  private partitionCount = 0;
  /** The share last handed to onAssigned (undefined after a revoke). */
  private delivered: string | undefined;

  constructor(private readonly options: PartitionOwnershipOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      // The topic is empty: a fetch waits its full maxWaitTime, and heartbeats (hence noticing a
      // rebalance) happen between fetches, so this bounds the take-over time too.
      maxWaitTimeInMs: options.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(options.sessionTimeoutMs, 2 * options.heartbeatIntervalMs),
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
    });
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      // Owned work is kept until the new share arrives (GROUP_JOIN), then changed by the difference.
      // A rebalance is often no move at all: a broker restart sends every member through one (its
      // coordinator changed, "not the correct coordinator for this group") and hands each the same
      // share; letting go here re-took every pod, and a pod without a replay socket is cleared when
      // re-taken. When partitions do move, the old and the new owner both join the same generation,
      // so they overlap for that one join; the KV-event records both publish meanwhile are the same
      // records (applying one again changes nothing), as in a crash (below).
      options.logger.info({ groupId: options.groupId }, 'ownership rebalancing; owned work kept until the new share');
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.joinedOnce = true;
      const owned = (e.payload.memberAssignment[options.topic] ?? []).slice().sort((a, b) => a - b);
      // kafkajs also rejoins on its own (stale metadata, e.g. while a new topic's leaders settle) and
      // gets the same share again: nothing moved, so nothing to tell.
      const key = `${this.partitionCount}:${owned.join(',')}`;
      if (key === this.delivered) return;
      this.delivered = key;
      options.logger.info({ groupId: options.groupId, owned, of: this.partitionCount }, 'ownership assigned');
      options.onAssigned(owned, this.partitionCount);
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      // The consumer stopped: the broker went away or a connection closed (kafkajs restarts it), or
      // it gave up with an error it calls non-retriable, a refused connection among them (then it is
      // restarted here). Either way the share is kept until the group moves it: in an outage of the
      // broker nobody else can be given it, and letting go stopped reading the pods for the whole
      // outage, after which every pod without a replay socket was cleared from the index for the gap,
      // every block it stored before lost. The cost is in a partition of this member alone: the group
      // gives its share to another member after the session timeout, and both read the same pods
      // until this one joins again and is handed its new share (onAssigned, a diff); what it read
      // meanwhile waits in its producer's bounded buffer.
      options.logger.warn({ err: e.payload.error?.message, restart: e.payload.restart }, 'ownership consumer crashed; owned work kept until the group moves it');
      if (!e.payload.restart && !this.stopped) setTimeout(() => void this.start(), 2000);
    });
  }

  /** True once this member has been given its share at least once. */
  hasJoined(): boolean {
    return this.joinedOnce;
  }

  /** Creates the topic if needed, joins the group; retries in the background while Kafka is away. */
  start(): Promise<void> {
    const run = async () => {
      this.partitionCount = await this.ensureTopic();
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: false });
      await this.consumer.run({ autoCommit: false, eachMessage: async () => undefined });
    };
    return run().catch((err) => {
      this.options.logger.warn({ err: (err as Error).message }, 'ownership group could not be joined; retrying');
      if (!this.stopped) setTimeout(() => void this.start(), 2000);
    });
  }

  /** Leaves the group at once (its partitions move to the others without waiting for a timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect().catch(() => undefined);
  }

  private async ensureTopic(): Promise<number> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const existing = await admin.listTopics();
      if (!existing.includes(this.options.topic)) {
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic: this.options.topic, numPartitions: this.options.partitions }] });
      }
      const meta = await admin.fetchTopicMetadata({ topics: [this.options.topic] });
      return meta.topics[0]?.partitions.length ?? this.options.partitions;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
