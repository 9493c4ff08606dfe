// Producer for records that are a source of truth (KV events), unlike telemetry: idempotent, written to
// every in-sync replica (acks -1), never dropped. When its buffer is full it says so (`hasRoom`,
// `room()`) and the caller stops reading its own source; what the source then loses shows up there
// (a sequence gap), not here as a silent drop.
import type { Kafka, Producer } from 'kafkajs';
import { CompressionTypes, Partitioners } from 'kafkajs';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { TelemetryRecord } from './buffered-producer';
import { groupByTopic, nextBatch, sleep } from './record-batch';

export interface ReliableProducerOptions {
  kafka: Kafka;
  registry: Registry;
  logger: Logger;
  /** Prefix of the producer's metric names, e.g. `llmd_cache_manager_kv_producer`. */
  metricPrefix: string;
  /** Records buffered before `hasRoom()` turns false (a threshold for back-pressure, never a drop). @default 10000 */
  capacity?: number;
  /** Records per send. @default 500 */
  batchSize?: number;
  /** Pause between retries while Kafka is unreachable. @default 1000 */
  retryDelayMs?: number;
}

export class ReliableProducer {
  private readonly queue: TelemetryRecord[] = [];
  private readonly producer: Producer;
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private connected = false;
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Callers waiting for room or for an empty queue; woken after each send. */
  private waiters: (() => void)[] = [];
  private readonly sent: Counter;
  private readonly sendErrors: Counter;
  private readonly full: Counter;

  constructor(private readonly options: ReliableProducerOptions) {
    this.capacity = options.capacity ?? 10000;
    this.batchSize = options.batchSize ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    // Idempotent: a retried send is written once per producer session; it requires acks -1, unlimited
    // retries (kafkajs warns otherwise) and at most one request in flight, which also keeps each key's
    // records in order. A send therefore waits out a broker outage instead of failing.
    this.producer = options.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
    const registers = [options.registry];
    const p = options.metricPrefix;
    this.sent = new Counter({ name: `${p}_records_sent_total`, help: 'Records written to Kafka (acks from all in-sync replicas)', registers });
    this.sendErrors = new Counter({ name: `${p}_send_errors_total`, help: 'Failed sends to Kafka (records are kept and retried, never dropped)', registers });
    this.full = new Counter({ name: `${p}_buffer_full_total`, help: 'Times the buffer reached its capacity and readers were asked to pause', registers });
    const queue = this.queue;
    new Gauge({ name: `${p}_buffered_records`, help: 'Records waiting to be written', registers, collect() { this.set(queue.length); } });
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** False while the buffer is at capacity: the caller should stop reading its source (see room()). */
  hasRoom(): boolean {
    return this.queue.length < this.capacity;
  }

  /** Resolves once the buffer is below capacity (at once when it already is). */
  async room(): Promise<void> {
    while (!this.hasRoom() && this.running) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Queues a record; never drops one. Callers respect hasRoom(), so the queue stays near capacity. */
  enqueue(record: TelemetryRecord): void {
    if (this.queue.length === this.capacity) this.full.inc();
    this.queue.push(record);
    this.wake?.();
  }

  /** Resolves once every record queued so far has been written (waits as long as Kafka is away). */
  async flushed(): Promise<void> {
    while (this.queue.length > 0 && this.running) await new Promise<void>((r) => this.waiters.push(r));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Writes what it can within `graceMs`, then disconnects; says how many records were left unwritten. */
  async stop(graceMs = 5000): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.queue.length > 0 && this.connected && Date.now() < deadline) await sleep(20);
    this.running = false;
    this.wake?.();
    this.notify();
    await Promise.race([this.loop, sleep(Math.max(0, deadline - Date.now()))]);
    if (this.queue.length > 0) this.options.logger.warn({ unwritten: this.queue.length }, 'records left unwritten at shutdown (the next owner of their sources resumes from the topic)');
    await this.producer.disconnect().catch(() => undefined);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!this.connected) {
          await this.producer.connect();
          this.connected = true;
          this.options.logger.info('reliable producer connected');
        }
        if (this.queue.length === 0) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
          continue;
        }
        const batch = nextBatch(this.queue, this.batchSize);
        await this.producer.sendBatch({ topicMessages: groupByTopic(batch), acks: -1, compression: CompressionTypes.None });
        this.queue.splice(0, batch.length);
        this.sent.inc(batch.length);
        this.notify();
      } catch (err) {
        if (!this.running) break;
        this.sendErrors.inc();
        this.connected = false;
        this.options.logger.warn({ err: (err as Error).message, buffered: this.queue.length }, 'reliable send failed; will retry');
        await this.producer.disconnect().catch(() => undefined);
        await sleep(this.retryDelayMs);
      }
    }
  }
}
