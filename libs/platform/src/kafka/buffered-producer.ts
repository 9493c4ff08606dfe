// Telemetry producer that never blocks the hot path: records go into a bounded in-memory queue and a
// background loop sends them. While Kafka is down the queue holds the newest `capacity` records (older
// ones are dropped and counted); sending resumes by itself when the broker returns.
import type { Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { groupByTopic, nextBatch, sleep } from './record-batch';

export interface TelemetryRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface BufferedProducerOptions {
  kafka: Kafka;
  registry: Registry;
  logger: Logger;
  /** @default 10000 */
  capacity?: number;
  /** Records per send. @default 500 */
  batchSize?: number;
  /** Pause between retries while Kafka is unreachable. @default 1000 */
  retryDelayMs?: number;
}

export class BufferedProducer {
  private readonly queue: TelemetryRecord[] = [];
  private readonly producer: Producer;
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private connected = false;
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly sent: Counter<'topic'>;
  private readonly dropped: Counter<'topic'>;
  private readonly sendErrors: Counter;

  constructor(private readonly options: BufferedProducerOptions) {
    this.capacity = options.capacity ?? 10000;
    this.batchSize = options.batchSize ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.producer = options.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
    const registers = [options.registry];
    this.sent = new Counter({ name: 'llmd_telemetry_records_sent_total', help: 'Telemetry records written to Kafka', labelNames: ['topic'], registers });
    this.dropped = new Counter({ name: 'llmd_telemetry_records_dropped_total', help: 'Telemetry records dropped because the buffer was full', labelNames: ['topic'], registers });
    this.sendErrors = new Counter({ name: 'llmd_telemetry_send_errors_total', help: 'Failed sends to Kafka (records are kept and retried)', registers });
    const queue = this.queue;
    new Gauge({ name: 'llmd_telemetry_buffered_records', help: 'Telemetry records waiting to be sent', registers, collect() { this.set(queue.length); } });
  }

  /** True while the producer holds a live connection to the cluster. */
  isConnected(): boolean {
    return this.connected;
  }

  /** Queues a record; O(1), never waits on Kafka. */
  enqueue(record: TelemetryRecord): void {
    if (this.queue.length >= this.capacity) {
      const old = this.queue.shift();
      if (old) this.dropped.inc({ topic: old.topic });
    }
    this.queue.push(record);
    this.wake?.();
  }

  /** Resolves once every record queued so far has been written (waits as long as Kafka is away). */
  async flushed(): Promise<void> {
    while (this.queue.length > 0 && this.running) await sleep(20);
  }

  /** Starts the background sender; does not wait for Kafka. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Flushes what it can within `graceMs`, then disconnects. */
  async stop(graceMs = 5000): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.queue.length > 0 && this.connected && Date.now() < deadline) await sleep(20);
    this.running = false;
    this.wake?.();
    // A loop stuck reconnecting to a dead broker must not hold shutdown past the grace period.
    await Promise.race([this.loop, sleep(Math.max(0, deadline - Date.now()))]);
    await this.producer.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        // Connect eagerly, so readiness reflects the broker before the first record.
        if (!this.connected) {
          await this.producer.connect();
          this.connected = true;
          this.options.logger.info('telemetry producer connected');
        }
        if (this.queue.length === 0) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
          continue;
        }
        const batch = nextBatch(this.queue, this.batchSize);
        await this.producer.sendBatch({ topicMessages: groupByTopic(batch), acks: 1 });
        this.queue.splice(0, batch.length);
        for (const r of batch) this.sent.inc({ topic: r.topic });
      } catch (err) {
        if (!this.running) break;
        this.sendErrors.inc();
        this.connected = false;
        this.options.logger.warn({ err: (err as Error).message, buffered: this.queue.length }, 'telemetry send failed; will retry');
        await this.producer.disconnect().catch(() => undefined);
        await sleep(this.retryDelayMs);
      }
    }
  }
}
