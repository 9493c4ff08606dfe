// Wiring of cache-manager: ingests the KV events of the pods this replica owns into llmd.kv-events.v1
// (one replica per pod, see ingest/kv-ingest.ts), builds the block index by
// consuming that topic from the start of retention, and serves KvCache over gRPC.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { cachev1 } from '@llmd/proto';
import { InMemoryKvBlockIndex, InstrumentedKvBlockIndex, KvBlockIndex, KvEventApplier } from '@llmd/kv-index';
import { Counter, Gauge, GrpcServer, grpcServerSecurity, HealthChecks, Histogram, KafkaModule, LOGGER, Registry, TopicConsumer } from '@llmd/platform';
import { KV_CLEAR_REASON_HEADER, kvEventBatchCodec, TOPICS } from '@llmd/telemetry';
import type { CacheManagerConfig } from './config';
import { kvCacheGrpcImplementation } from './grpc/kv-cache.grpc-service';
import { ScoreHitMetrics } from './index/score-hit-metrics';
import { BlockSizes } from './index/block-sizes';
import { KvEventStats } from './index/kv-event-stats';
import { createTokenization } from './index/tokenization-metrics';
import { PrefixScorer } from './index/prefix-scorer';
import { advanceCursor, NO_CURSOR, TopicCursor } from './ingest/kv-sequence.policy';
import { KvIngest } from './ingest/kv-ingest';

const CONFIG = Symbol('CACHE_MANAGER_CONFIG');
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
  }

  /** Teaches the block sizes what each pod's events say (a cleared pod has no blocks to size). */
  private learnBlockSizes(pod: string, model: string, events: readonly { type: string; blockSize?: number }[]): void {
    for (const e of events) {
      if (e.type === 'BlockStored' && e.blockSize !== undefined) this.blockSizes.observe(pod, model, e.blockSize);
      else if (e.type === 'AllBlocksCleared') this.blockSizes.forget(pod);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = new TopicConsumer({
      kafka: this.kafka,
      groupId: this.config.groupId,
      topics: [TOPICS.kvEvents],
      // The index lives in memory: every start rebuilds it from the whole retained topic.
      fromBeginning: true,
      autoCommit: false,
      logger: this.logger,
      handler: ({ message }) => {
        if (!message.value) return;
        try {
          const batch = kvEventBatchCodec.decode(message.value);
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
    void this.consumer.start();
    this.health.register('kafka-consumer', () => this.consumer?.isReady() ?? false);
    // Ingestion of the pods this replica owns; it resumes each from the topic as read above.
    const consumer = this.consumer;
    this.ingest = new KvIngest(this.config, this.kafka, { cursor: (pod) => this.cursors.get(pod) ?? NO_CURSOR, caughtUp: () => consumer.caughtUp() }, this.registry, this.logger);
    await this.ingest.start(this.config);
    const ingest = this.ingest;
    // Ready once the index is rebuilt: every record on the topic consumed, including the clears the
    // pods' first syncs just published (an earlier incarnation's blocks under a reused pod id).
    // Before that, Score would under-report what pods hold, or report what they no longer hold.
    let indexRebuilt = false;
    void (async () => {
      const started = Date.now();
      await ingest.service.initialSyncs();
      await ingest.producer.flushed();
      await consumer.caughtUp();
      indexRebuilt = true;
      this.logger.info({ ms: Date.now() - started, indexedBlocks: this.index.size() }, 'index rebuilt from the topic');
    })();
    this.health.register('index', () => indexRebuilt);
    if (this.config.kubernetes) this.health.register('kubernetes', () => ingest.service.discoverySynced());
    const { tokenizers, cache } = createTokenization(this.config, this.registry, this.logger);
    const scorer = new PrefixScorer(this.index, tokenizers, cache, this.config, this.blockSizes);
    this.grpc = new GrpcServer([{ definition: cachev1.KvCacheService, implementation: kvCacheGrpcImplementation(scorer, this.index, this.stats, this.logger, new ScoreHitMetrics(this.registry)) }]);
    const security = grpcServerSecurity(this.config.grpc.tls, 'grpc.tls', this.logger);
    const port = await this.grpc.start(this.config.grpc.host, this.config.grpc.port, security);
    this.logger.info({ grpcPort: port, pods: ingest.service.podIds(), ...security.description }, 'KvCache gRPC serving');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.grpc?.stop(this.config.shutdown.graceMs);
    await this.ingest?.stop(Math.min(3000, this.config.shutdown.graceMs));
    await this.consumer?.stop();
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
