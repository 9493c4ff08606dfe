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
  private producer: Producer;
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
    this.producer = this.newProducer();
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

  private newProducer(): Producer {
    const producer = this.options.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    producer.on(producer.events.DISCONNECT, () => {
      this.connected = false;
    });
    return producer;
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
        if (producerSessionLost(err)) {
          // The broker no longer agrees with this producer's sequence numbers (it came back without the
          // last writes, or forgot the producer id): no retry can succeed in this session, so the next
          // send starts a new one. The failed batch may then be written twice, in order; applying a KV
          // event record again changes nothing.
          this.options.logger.warn({ err: (err as Error).message }, 'reliable producer session lost; starting a new one');
          this.producer = this.newProducer();
        }
        await sleep(this.retryDelayMs);
      }
    }
  }
}

/** Idempotent-producer errors that end its session: retrying them with the same producer id never succeeds. */
const SESSION_LOST = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

/** Pure: whether a send error (or what it wraps) ends the idempotent producer's session. */
export function producerSessionLost(err: unknown): boolean {
  for (let e = err as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string' && SESSION_LOST.has(e.type)) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}
