// A consumer-group subscription with readiness (joined the group) and a per-message handler.
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

export interface TopicConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  logger: Logger;
  /** @default false */
  fromBeginning?: boolean;
  /**
   * Commit offsets as messages are handled. Off, every start of the process reads again from
   * `fromBeginning`'s position: what a consumer that rebuilds its state from the topic wants. A
   * restart within the process (kafkajs restarts a consumer that crashed, e.g. while the broker was
   * away) resumes after the last message handled, so nothing is handled twice or skipped. @default true
   */
  autoCommit?: boolean;
  /**
   * Where to start reading some partitions (`topic:partition` -> offset) instead of `fromBeginning`'s
   * position, e.g. after a restored checkpoint. Only without autoCommit.
   */
  startAt?: ReadonlyMap<string, number>;
  handler: (payload: EachMessagePayload) => Promise<void> | void;
}

export class TopicConsumer {
  private readonly consumer: Consumer;
  private joined = false;
  private stopped = false;
  /** `topic:partition` -> the offset after the last message handled. */
  private readonly positions = new Map<string, number>();
  /** The partitions the group gave this member at its last join (`topic:partition`). */
  private assigned: Set<string> | undefined;

  constructor(private readonly options: TopicConsumerOptions) {
    if (options.startAt && options.autoCommit !== false) throw new Error('startAt needs autoCommit: false (committed offsets decide where a committing consumer starts)');
    for (const [key, offset] of options.startAt ?? []) this.positions.set(key, offset);
    this.consumer = options.kafka.consumer({ groupId: options.groupId, retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 } });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.assigned = new Set(Object.entries(e.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`)));
      // Without committed offsets, a rejoin would start again from `fromBeginning`'s position: the
      // whole topic again, or its end (skipping what arrived meanwhile). Resume from where this
      // process is (or was told to start); kafkajs applies a seek made now before its first fetch.
      if (options.autoCommit === false) this.resumeAssigned(e.payload.memberAssignment);
      options.logger.info({ groupId: options.groupId, topics: options.topics }, 'consumer joined group');
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.joined = false;
      options.logger.warn({ err: e.payload.error?.message, restart: e.payload.restart }, 'consumer crashed');
      if (!e.payload.restart && !this.stopped) setTimeout(() => void this.start(), 2000);
    });
    this.consumer.on(this.consumer.events.DISCONNECT, () => {
      this.joined = false;
    });
  }

  private resumeAssigned(assignment: Record<string, number[]>): void {
    let resumed = 0;
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const offset = this.positions.get(`${topic}:${partition}`);
        if (offset === undefined) continue;
        this.consumer.seek({ topic, partition, offset: String(offset) });
        resumed++;
      }
    }
    if (resumed > 0) this.options.logger.info({ groupId: this.options.groupId, partitions: resumed }, 'consumer resumed from its own positions');
  }

  isReady(): boolean {
    return this.joined;
  }

  /** Connects and subscribes in the background; does not block on Kafka being up. */
  start(): Promise<void> {
    const run = async () => {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? false });
      await this.consumer.run({
        autoCommit: this.options.autoCommit ?? true,
        eachMessage: async (p) => {
          await this.options.handler(p);
          this.positions.set(`${p.topic}:${p.partition}`, Number(p.message.offset) + 1);
        },
      });
    };
    return run().catch((err) => {
      this.options.logger.warn({ err: (err as Error).message }, 'consumer start failed; retrying');
      if (!this.stopped) setTimeout(() => void this.start(), 2000);
    });
  }

  /**
   * Resolves once every message that was on the topics when it was called has been handled, on the
   * partitions the group gave this member: a consumer that rebuilds its state from the topic has
   * then caught up. Waits, retrying, while Kafka is away; never resolves after stop().
   */
  async caughtUp(): Promise<void> {
    let targets: { key: string; low: number; high: number }[] | undefined;
    while (!targets) {
      if (this.stopped) return new Promise(() => undefined);
      const admin = this.options.kafka.admin();
      try {
        await admin.connect();
        const perTopic = await Promise.all(this.options.topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => ({ key: `${topic}:${p.partition}`, low: Number(p.low), high: Number(p.high) }))));
        targets = perTopic.flat();
      } catch (err) {
        this.options.logger.warn({ err: (err as Error).message }, 'could not read the topics\' end offsets; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    // Only the partitions this member was given count (a group shared with other members splits them).
    const done = (t: { key: string; low: number; high: number }) => t.high <= t.low || (this.assigned !== undefined && !this.assigned.has(t.key)) || (this.positions.get(t.key) ?? 0) >= t.high;
    while (!this.assigned || !targets.every(done)) {
      if (this.stopped) return new Promise(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect().catch(() => undefined);
  }
}
