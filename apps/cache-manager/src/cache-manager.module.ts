// Wiring of cache-manager: consumes llmd.kv-events.v1 from the start of retention and serves KvCache over gRPC.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { cachev1 } from '@llmd/proto';
import { Counter, GrpcServer, HealthChecks, KafkaModule, LOGGER, Registry, TopicConsumer } from '@llmd/platform';
import { kvEventBatchCodec, TOPICS } from '@llmd/telemetry';
import type { CacheManagerConfig } from './config';
import { kvCacheGrpcImplementation } from './grpc/kv-cache.grpc-service';
import { KvEventStats } from './index/kv-event-stats';

const CONFIG = Symbol('CACHE_MANAGER_CONFIG');

class CacheManagerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private grpc: GrpcServer | undefined;
  private consumer: TopicConsumer | undefined;
  private readonly batches: Counter<'result'>;

  constructor(
    @Inject(CONFIG) private readonly config: CacheManagerConfig,
    @Inject(KvEventStats) private readonly stats: KvEventStats,
    @Inject(Kafka) private readonly kafka: Kafka,
    @Inject(HealthChecks) private readonly health: HealthChecks,
    @Inject(Registry) registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.batches = new Counter({ name: 'llmd_cache_manager_kv_event_batches_total', help: 'KV event batches consumed, by result', labelNames: ['result'], registers: [registry] });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = new TopicConsumer({
      kafka: this.kafka,
      groupId: this.config.groupId,
      topics: [TOPICS.kvEvents],
      fromBeginning: true,
      logger: this.logger,
      handler: ({ message }) => {
        if (!message.value) return;
        try {
          this.batches.inc({ result: this.stats.apply(kvEventBatchCodec.decode(message.value)) });
        } catch (err) {
          this.batches.inc({ result: 'undecodable' });
          this.logger.warn({ err: (err as Error).message }, 'undecodable KV event batch skipped');
        }
      },
    });
    void this.consumer.start();
    this.health.register('kafka-consumer', () => this.consumer?.isReady() ?? false);
    this.grpc = new GrpcServer([{ definition: cachev1.KvCacheService, implementation: kvCacheGrpcImplementation(this.stats) }]);
    const port = await this.grpc.start(this.config.grpc.host, this.config.grpc.port);
    this.logger.info({ grpcPort: port }, 'KvCache gRPC serving');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.grpc?.stop(this.config.shutdown.graceMs);
    await this.consumer?.stop();
  }
}

@Module({})
export class CacheManagerModule {
  static forRoot(config: CacheManagerConfig): DynamicModule {
    return {
      module: CacheManagerModule,
      imports: [KafkaModule.forRoot({ clientId: 'llmd-cache-manager', brokers: config.kafka.brokers, bufferSize: config.kafka.bufferSize })],
      providers: [{ provide: CONFIG, useValue: config }, KvEventStats, CacheManagerRuntime],
    };
  }
}
