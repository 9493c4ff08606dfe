// Wiring of cache-manager: ingests pods' KV events into llmd.kv-events.v1, builds the block index by
// consuming that topic from the start of retention, and serves KvCache over gRPC.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { cachev1 } from '@llmd/proto';
import { InMemoryKvBlockIndex, InstrumentedKvBlockIndex, KvBlockIndex, KvEventApplier } from '@llmd/kv-index';
import { BufferedProducer, Counter, Gauge, GrpcServer, HealthChecks, Histogram, KafkaModule, LOGGER, Registry, TopicConsumer } from '@llmd/platform';
import { kvEventBatchCodec, TOPICS } from '@llmd/telemetry';
import type { CacheManagerConfig } from './config';
import { kvCacheGrpcImplementation } from './grpc/kv-cache.grpc-service';
import { BlockSizes } from './index/block-sizes';
import { KvEventStats } from './index/kv-event-stats';
import { createTokenization } from './index/tokenization-metrics';
import { PrefixScorer } from './index/prefix-scorer';
import { IngestionService } from './ingest/ingestion.service';

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
  private ingestion: IngestionService | undefined;
  private readonly applied: Counter<'result'>;
  private readonly applier: KvEventApplier;
  private readonly blockSizes: BlockSizes;

  constructor(
    @Inject(CONFIG) private readonly config: CacheManagerConfig,
    @Inject(INDEX) private readonly index: KvBlockIndex,
    @Inject(KvEventStats) private readonly stats: KvEventStats,
    @Inject(Kafka) private readonly kafka: Kafka,
    @Inject(BufferedProducer) private readonly producer: BufferedProducer,
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
    const registers = [this.registry];
    this.ingestion = new IngestionService(this.producer, this.logger, {
      batches: new Counter({ name: 'llmd_cache_manager_ingested_batches_total', help: 'KV event batches received from pods', labelNames: ['pod'], registers }),
      clears: new Counter({ name: 'llmd_cache_manager_pod_clears_total', help: 'Pods whose entries were cleared, by reason (gap-unrecoverable, restart, gone)', labelNames: ['reason'], registers }),
      undecodable: new Counter({ name: 'llmd_cache_manager_undecodable_batches_total', help: 'KV event batches that could not be decoded', registers }),
    });
    await this.ingestion.start(this.config.pods, this.config.localRegistryDir, this.config.kubernetes);
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
    // Ready once the index is rebuilt: every record on the topic consumed, including the clears the
    // pods' first syncs just published (an earlier incarnation's blocks under a reused pod id).
    // Before that, Score would under-report what pods hold, or report what they no longer hold.
    let indexRebuilt = false;
    const consumer = this.consumer;
    void (async () => {
      const started = Date.now();
      await this.ingestion?.initialSyncs();
      await this.producer.flushed();
      await consumer.caughtUp();
      indexRebuilt = true;
      this.logger.info({ ms: Date.now() - started, indexedBlocks: this.index.size() }, 'index rebuilt from the topic');
    })();
    this.health.register('index', () => indexRebuilt);
    if (this.config.kubernetes) this.health.register('kubernetes', () => this.ingestion?.discoverySynced() ?? false);
    const { tokenizers, cache } = createTokenization(this.config, this.registry, this.logger);
    const scorer = new PrefixScorer(this.index, tokenizers, cache, this.config, this.blockSizes);
    this.grpc = new GrpcServer([{ definition: cachev1.KvCacheService, implementation: kvCacheGrpcImplementation(scorer, this.index, this.stats, this.logger) }]);
    const port = await this.grpc.start(this.config.grpc.host, this.config.grpc.port);
    this.logger.info({ grpcPort: port, pods: this.ingestion.podIds() }, 'KvCache gRPC serving');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.grpc?.stop(this.config.shutdown.graceMs);
    await this.ingestion?.stop();
    await this.consumer?.stop();
  }
}

@Module({})
export class CacheManagerModule {
  static forRoot(config: CacheManagerConfig): DynamicModule {
    return {
      module: CacheManagerModule,
      imports: [KafkaModule.forRoot({ clientId: 'llmd-cache-manager', brokers: config.kafka.brokers, bufferSize: config.kafka.bufferSize })],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: INDEX, inject: [Registry], useFactory: (registry: Registry) => createIndex(config, registry) },
        KvEventStats,
        CacheManagerRuntime,
      ],
    };
  }
}
