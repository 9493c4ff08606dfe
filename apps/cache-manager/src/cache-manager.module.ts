// Wiring of cache-manager: ingests the KV events of the pods this replica owns into llmd.kv-events.v1
// (one replica per pod, see ingest/kv-ingest.ts), builds the block index by consuming that topic
// (from the newest checkpoint of each partition, else from the start of retention), checkpoints it,
// and serves KvCache over gRPC.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { cachev1 } from '@llmd/proto';
import { BlockSizes, InMemoryKvBlockIndex, InstrumentedKvBlockIndex, KvBlockIndex, KvEventApplier, PrefixScorer } from '@llmd/kv-index';
import { Counter, Gauge, GrpcServer, grpcServerSecurity, HealthChecks, Histogram, KafkaModule, LOGGER, Registry, TopicConsumer } from '@llmd/platform';
import { KV_CLEAR_REASON_HEADER, kvEventBatchCodec, TOPICS } from '@llmd/telemetry';
import type { PartitionCheckpoint } from './index/checkpoint';
import { CheckpointStore } from './index/checkpoint-store';
import type { CacheManagerConfig } from './config';
import { kvCacheGrpcImplementation } from './grpc/kv-cache.grpc-service';
import { ScoreHitMetrics } from './index/score-hit-metrics';
import { KvEventStats } from './index/kv-event-stats';
import { createTokenization } from './index/tokenization-metrics';
import { advanceCursor, NO_CURSOR, TopicCursor } from './ingest/kv-sequence.policy';
import { KvIngest } from './ingest/kv-ingest';

const CONFIG = Symbol('CACHE_MANAGER_CONFIG');
/** Blocks read into a checkpoint between two turns of the event loop. */
const SNAPSHOT_SLICE = 10000;
const INDEX = Symbol('KV_BLOCK_INDEX');

function createIndex(config: CacheManagerConfig, registry: Registry): KvBlockIndex {
  const registers = [registry];
  const ops = new Counter({ name: 'llmd_cache_manager_index_blocks_total', help: 'Blocks added to and removed from the index', labelNames: ['op'], registers });
  const lookups = new Histogram({ name: 'llmd_cache_manager_index_lookup_seconds', help: 'Index lookup time', buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01], registers });
  const inner = new InMemoryKvBlockIndex(config.maxBlocks);
  new Gauge({ name: 'llmd_cache_manager_index_size_blocks', help: 'Blocks in the index', registers, collect() { this.set(inner.size()); } });
  return new InstrumentedKvBlockIndex(inner, {
    added: (n) => ops.inc({ op: 'add' }, n),
    removed: (n) => ops.inc({ op: 'remove' }, n),
    cleared: () => ops.inc({ op: 'clear-pod' }),
    lookedUp: (ms) => lookups.observe(ms / 1000),
  });
}

class CacheManagerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private grpc: GrpcServer | undefined;
  private consumer: TopicConsumer | undefined;
  private ingest: KvIngest | undefined;
  /** Where each pod stands on the KV-event topic as read so far: where an owner resumes it. */
  private readonly cursors = new Map<string, TopicCursor>();
  private readonly applied: Counter<'result'>;
  private readonly applier: KvEventApplier;
  private readonly blockSizes: BlockSizes;
  /** The KV-event partition each pod's records are on, and the model they name. */
  private readonly pods = new Map<string, { partition: number; model: string }>();
  /** Per KV-event partition, the first offset not applied yet. */
  private readonly appliedThrough = new Map<number, number>();
  /** Per KV-event partition, the offset of the newest checkpoint written or restored. */
  private readonly checkpointed = new Map<number, number>();
  private readonly checkpoints: CheckpointStore;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private checkpointing: Promise<void> | undefined;
  private indexRebuilt = false;
  private serving = false;
  private readonly checkpointMetrics: { written: Counter<'result'>; bytes: Gauge; seconds: Histogram; restored: Counter<'result'>; rebuild: Gauge };

  constructor(
    @Inject(CONFIG) private readonly config: CacheManagerConfig,
    @Inject(INDEX) private readonly index: KvBlockIndex,
    @Inject(KvEventStats) private readonly stats: KvEventStats,
    @Inject(Kafka) private readonly kafka: Kafka,
    @Inject(HealthChecks) private readonly health: HealthChecks,
    @Inject(Registry) private readonly registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.applied = new Counter({ name: 'llmd_cache_manager_kv_event_batches_total', help: 'KV event batches consumed, by result', labelNames: ['result'], registers: [registry] });
    this.applier = new KvEventApplier(index, config.hashSeed);
    const mismatches = new Counter({ name: 'llmd_cache_manager_block_size_mismatches_total', help: 'Pods whose KV events report a block size other than the one configured for their model (the reported one is used)', labelNames: ['model'], registers: [registry] });
    this.blockSizes = new BlockSizes(config, ({ pod, model, observed, configured }) => {
      mismatches.inc({ model });
      logger.warn({ pod, model, observed, configured }, 'pod reports a KV block size other than the configured one; using the reported one');
    });
    const registers = [registry];
    this.checkpointMetrics = {
      written: new Counter({ name: 'llmd_cache_manager_checkpoints_total', help: 'Index checkpoints of a KV-event partition written by this replica, by result (written, failed)', labelNames: ['result'], registers }),
      bytes: new Gauge({ name: 'llmd_cache_manager_checkpoint_bytes', help: 'Size of the last index checkpoint this replica wrote', registers }),
      seconds: new Histogram({ name: 'llmd_cache_manager_checkpoint_seconds', help: 'Time to take and write one partition\'s index checkpoint (its blocks read 10,000 at a time between other work, then encoded at once)', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
      restored: new Counter({ name: 'llmd_cache_manager_checkpoint_restores_total', help: 'KV-event partitions at start, by how the index got their state: restored (from a checkpoint), behind-retention (restored, but the topic no longer holds the records right after it), discarded (a checkpoint ahead of the topic), none (read from the start), failed (the checkpoint topic could not be read)', labelNames: ['result'], registers }),
      rebuild: new Gauge({ name: 'llmd_cache_manager_index_rebuild_seconds', help: 'Time from start until the index was rebuilt (checkpoints restored and the KV-event topic read to its end)', registers }),
    };
    this.checkpoints = new CheckpointStore(kafka, config.checkpoint.topic, logger.child({ component: 'index-checkpoints' }));
  }

  /**
   * The newest checkpoint of each KV-event partition, put into the index, cursors, bookkeeping and
   * block sizes; returns where reading each partition resumes. Without checkpoints (or when the topic
   * cannot be read after a few tries), nothing: the whole KV-event topic is read.
   */
  private async restoreCheckpoints(): Promise<Map<string, number>> {
    const startAt = new Map<string, number>();
    if (!this.config.checkpoint.enabled) return startAt;
    const started = Date.now();
    let latest: Map<number, PartitionCheckpoint> | undefined;
    let ends = new Map<number, { low: number; high: number }>();
    for (let attempt = 1; !latest; attempt++) {
      try {
        latest = await this.checkpoints.readAll(`${this.config.groupId}-checkpoints`, 60000);
        const admin = this.kafka.admin();
        await admin.connect();
        try {
          ends = new Map((await admin.fetchTopicOffsets(TOPICS.kvEvents)).map((p) => [p.partition, { low: Number(p.low), high: Number(p.high) }]));
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      } catch (err) {
        latest = undefined;
        this.logger.warn({ err: (err as Error).message, attempt }, 'could not read the index checkpoints');
        if (attempt >= 5) {
          this.checkpointMetrics.restored.inc({ result: 'failed' });
          this.logger.error('index checkpoints unreadable; reading the whole KV-event topic instead');
          return startAt;
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    let pods = 0;
    for (const [partition, end] of ends) {
      const c = latest.get(partition);
      if (!c) {
        if (end.high > end.low) this.checkpointMetrics.restored.inc({ result: 'none' });
        continue;
      }
      if (c.offset > end.high) {
        // A topic made again since (offsets start over): the checkpoint is of another history.
        this.checkpointMetrics.restored.inc({ result: 'discarded' });
        this.logger.warn({ partition, checkpointOffset: c.offset, topicEnd: end.high }, 'index checkpoint is ahead of the KV-event topic; reading the partition from its start');
        continue;
      }
      if (c.offset < end.low) {
        this.checkpointMetrics.restored.inc({ result: 'behind-retention' });
        this.logger.warn({ partition, checkpointOffset: c.offset, topicStart: end.low }, 'the KV-event topic no longer holds the records right after the index checkpoint (its retention is too short for the checkpoint interval): what they changed is missing until the pods store or remove those blocks again');
      } else {
        this.checkpointMetrics.restored.inc({ result: 'restored' });
      }
      for (const p of c.pods) {
        this.applier.restorePod(p.pod, p.blocks, Date.now());
        this.cursors.set(p.pod, p.cursor);
        if (p.stats) this.stats.restore({ endpointId: p.pod, ...p.stats });
        if (p.blockSize !== undefined) this.blockSizes.observe(p.pod, p.model, p.blockSize);
        this.pods.set(p.pod, { partition, model: p.model });
      }
      pods += c.pods.length;
      this.appliedThrough.set(partition, c.offset);
      this.checkpointed.set(partition, c.offset);
      startAt.set(`${TOPICS.kvEvents}:${partition}`, c.offset);
    }
    this.logger.info({ partitions: startAt.size, pods, indexedBlocks: this.index.size(), ms: Date.now() - started }, startAt.size > 0 ? 'index restored from checkpoints' : 'no index checkpoint to restore');
    return startAt;
  }

  /**
   * The state partition `partition`'s records give up to `offset`. The pods' bookkeeping is taken at
   * once; their blocks are read in slices with other work in between (a large index would otherwise
   * hold Score up for as long as the read takes): sound, since a restore applies every record from
   * `offset` on again, and applying a record again changes nothing.
   */
  private async snapshot(partition: number, offset: number): Promise<PartitionCheckpoint> {
    const pods: PartitionCheckpoint['pods'] = [];
    for (const [pod, where] of this.pods) {
      if (where.partition !== partition) continue;
      const stats = this.stats.of(pod);
      const blockSize = this.blockSizes.reported(pod);
      pods.push({
        pod,
        model: where.model,
        ...(blockSize !== undefined ? { blockSize } : {}),
        cursor: this.cursors.get(pod) ?? NO_CURSOR,
        ...(stats ? { stats: { batches: stats.batches, events: stats.events, lastSeq: stats.lastSeq, gaps: stats.gaps } } : {}),
        blocks: { engineHashes: [], keys: [], tiers: [] },
      });
    }
    let n = 0;
    for (const p of pods) {
      for (const [engineHash, key, bits] of this.applier.podBlocks(p.pod)) {
        p.blocks.engineHashes.push(engineHash);
        p.blocks.keys.push(key);
        p.blocks.tiers.push(bits);
        if (++n % SNAPSHOT_SLICE === 0) await new Promise((r) => setImmediate(r));
      }
    }
    return { partition, offset, writtenAtMs: Date.now(), pods };
  }

  /** Checkpoints every partition that moved on since its last checkpoint and whose share this replica owns (all of them with `all`). */
  private writeCheckpoints(all = false): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    const run = async () => {
      for (const [partition, offset] of [...this.appliedThrough]) {
        if (this.checkpointed.get(partition) === offset) continue;
        if (!all && !this.ingest?.service.ownsShare(partition)) continue;
        const started = performance.now();
        try {
          const bytes = await this.checkpoints.write(await this.snapshot(partition, offset));
          this.checkpointed.set(partition, offset);
          this.checkpointMetrics.written.inc({ result: 'written' });
          this.checkpointMetrics.bytes.set(bytes);
        } catch (err) {
          this.checkpointMetrics.written.inc({ result: 'failed' });
          this.logger.warn({ partition, err: (err as Error).message }, 'index checkpoint not written; trying again next time');
        } finally {
          this.checkpointMetrics.seconds.observe((performance.now() - started) / 1000);
        }
      }
    };
    this.checkpointing = run().finally(() => (this.checkpointing = undefined));
    return this.checkpointing;
  }

  /** Teaches the block sizes what each pod's events say (a cleared pod has no blocks to size). */
  private learnBlockSizes(pod: string, model: string, events: readonly { type: string; blockSize?: number }[]): void {
    for (const e of events) {
      if (e.type === 'BlockStored' && e.blockSize !== undefined) this.blockSizes.observe(pod, model, e.blockSize);
      else if (e.type === 'AllBlocksCleared') this.blockSizes.forget(pod);
    }
  }

  /** The consumer that builds the index from the KV-event topic, from `startAt` where a checkpoint was restored. */
  private indexConsumer(startAt: Map<string, number>): TopicConsumer {
    this.consumer = new TopicConsumer({
      kafka: this.kafka,
      groupId: this.config.groupId,
      topics: [TOPICS.kvEvents],
      // The index lives in memory: every start rebuilds it, from the checkpoints and the records after
      // them, or from the whole retained topic.
      fromBeginning: true,
      autoCommit: false,
      startAt,
      logger: this.logger,
      handler: ({ partition, message }) => {
        this.appliedThrough.set(partition, Number(message.offset) + 1);
        if (!message.value) return;
        try {
          const batch = kvEventBatchCodec.decode(message.value);
          this.pods.set(batch.endpointId, { partition, model: batch.model });
          const clear = message.headers?.[KV_CLEAR_REASON_HEADER] !== undefined;
          this.cursors.set(batch.endpointId, advanceCursor(this.cursors.get(batch.endpointId) ?? NO_CURSOR, batch, clear));
          this.stats.record(batch);
          this.learnBlockSizes(batch.endpointId, batch.model, batch.events);
          const r = this.applier.apply(batch.endpointId, batch.events, Date.now());
          this.applied.inc({ result: r.unresolved > 0 ? 'partly-unresolved' : 'applied' });
        } catch (err) {
          this.applied.inc({ result: 'undecodable' });
          this.logger.warn({ err: (err as Error).message }, 'undecodable KV event record skipped');
        }
      },
    });
    return this.consumer;
  }

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    // Not ready until the index is rebuilt (registered first: readiness is asked while this runs).
    this.health.register('index', () => this.indexRebuilt);
    this.health.register('grpc', () => this.serving);
    // The index consumer starts once the checkpoints are restored (in the background: Kafka may be
    // away, and the gRPC port serves meanwhile, from an index that is not ready yet).
    const consumerStarted = this.restoreCheckpoints().catch((err: Error) => {
      // Whatever was put back is taken out again: the whole topic is read instead.
      this.logger.error({ err: err.message }, 'index checkpoints could not be restored; reading the whole KV-event topic instead');
      this.checkpointMetrics.restored.inc({ result: 'failed' });
      for (const pod of this.pods.keys()) this.applier.clearPod(pod);
      this.pods.clear();
      this.cursors.clear();
      this.appliedThrough.clear();
      this.checkpointed.clear();
      return new Map<string, number>();
    }).then((startAt) => {
      const consumer = this.indexConsumer(startAt);
      void consumer.start();
      return consumer;
    });
    this.health.register('kafka-consumer', () => this.consumer?.isReady() ?? false);
    // Ingestion of the pods this replica owns; it resumes each from the topic as read above.
    this.ingest = new KvIngest(this.config, this.kafka, { cursor: (pod) => this.cursors.get(pod) ?? NO_CURSOR, caughtUp: async () => (await consumerStarted).caughtUp() }, this.registry, this.logger);
    await this.ingest.start(this.config);
    const ingest = this.ingest;
    // Ready once the index is rebuilt: every record on the topic consumed, including the clears the
    // pods' first syncs just published (an earlier incarnation's blocks under a reused pod id).
    // Before that, Score would under-report what pods hold, or report what they no longer hold.
    void (async () => {
      const consumer = await consumerStarted;
      await ingest.service.initialSyncs();
      await ingest.producer.flushed();
      await consumer.caughtUp();
      this.indexRebuilt = true;
      this.checkpointMetrics.rebuild.set((Date.now() - started) / 1000);
      this.logger.info({ ms: Date.now() - started, indexedBlocks: this.index.size() }, 'index rebuilt from the topic');
      if (this.config.checkpoint.enabled) {
        // One now: the state just rebuilt is the freshest there is, and a replica that dies soon after
        // its start should not leave the next one the same backlog to read.
        void this.writeCheckpoints();
        this.checkpointTimer = setInterval(() => void this.writeCheckpoints(), this.config.checkpoint.intervalMs);
      }
    })();
    if (this.config.kubernetes) this.health.register('kubernetes', () => ingest.service.discoverySynced());
    const { tokenizers, cache } = createTokenization(this.config, this.registry, this.logger);
    const scorer = new PrefixScorer(this.index, tokenizers, cache, this.config, this.blockSizes);
    this.grpc = new GrpcServer([{ definition: cachev1.KvCacheService, implementation: kvCacheGrpcImplementation(scorer, this.index, this.stats, this.logger, new ScoreHitMetrics(this.registry)) }]);
    const security = grpcServerSecurity(this.config.grpc.tls, 'grpc.tls', this.logger);
    const port = await this.grpc.start(this.config.grpc.host, this.config.grpc.port, security);
    this.serving = true;
    this.logger.info({ grpcPort: port, pods: ingest.service.podIds(), ...security.description }, 'KvCache gRPC serving');
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.checkpointTimer);
    await this.grpc?.stop(this.config.shutdown.graceMs);
    await this.ingest?.stop(Math.min(3000, this.config.shutdown.graceMs));
    await this.consumer?.stop();
    // A last checkpoint of every partition (ownership is gone by now), so the next start reads little.
    if (this.indexRebuilt && this.config.checkpoint.enabled) {
      await Promise.race([this.writeCheckpoints(true), new Promise((r) => setTimeout(r, Math.min(3000, this.config.shutdown.graceMs)).unref())]);
    }
    await this.checkpoints.stop();
  }
}

@Module({})
export class CacheManagerModule {
  static forRoot(config: CacheManagerConfig): DynamicModule {
    return {
      module: CacheManagerModule,
      imports: [KafkaModule.forRoot({ clientId: 'llmd-cache-manager', brokers: config.kafka.brokers, tls: config.kafka.tls, sasl: config.kafka.sasl, bufferSize: config.kafka.bufferSize })],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: INDEX, inject: [Registry], useFactory: (registry: Registry) => createIndex(config, registry) },
        KvEventStats,
        CacheManagerRuntime,
      ],
    };
  }
}
