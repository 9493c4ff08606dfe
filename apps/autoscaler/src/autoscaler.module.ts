// Wiring of the autoscaler: reads llmd.endpoint-load.v1 into per-pool load, exported as metrics.
// Setting replicas from that load comes with the autoscaling issue.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, HealthChecks, KafkaModule, LOGGER, Registry, TopicConsumer } from '@llmd/platform';
import { endpointLoadCodec, TOPICS } from '@llmd/telemetry';
import type { AutoscalerConfig } from './config';
import { PoolLoadView } from './pool-load';

const CONFIG = Symbol('AUTOSCALER_CONFIG');

class AutoscalerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: TopicConsumer | undefined;
  private readonly view: PoolLoadView;
  private readonly records: Counter;

  constructor(
    @Inject(CONFIG) private readonly config: AutoscalerConfig,
    @Inject(Kafka) private readonly kafka: Kafka,
    @Inject(HealthChecks) private readonly health: HealthChecks,
    @Inject(Registry) registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.view = new PoolLoadView(config.endpointTtlMs);
    const view = this.view;
    const registers = [registry];
    const labelNames = ['pool', 'model', 'role'] as const;
    this.records = new Counter({ name: 'llmd_autoscaler_load_records_total', help: 'Endpoint load records consumed', registers });
    const gauge = (name: string, help: string, pick: (p: ReturnType<PoolLoadView['pools']>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const p of view.pools(Date.now())) this.set({ pool: p.pool, model: p.model, role: p.role }, pick(p));
        },
      });
    gauge('llmd_autoscaler_pool_endpoints', 'Endpoints reporting load, per pool', (p) => p.endpoints);
    gauge('llmd_autoscaler_pool_waiting_requests', 'Waiting requests summed over the pool', (p) => p.waiting);
    gauge('llmd_autoscaler_pool_running_requests', 'Running requests summed over the pool', (p) => p.running);
    gauge('llmd_autoscaler_pool_kv_cache_usage', 'Mean KV-cache usage over the pool', (p) => p.meanKvCacheUsage);
  }

  onApplicationBootstrap(): void {
    this.consumer = new TopicConsumer({
      kafka: this.kafka,
      groupId: this.config.groupId,
      topics: [TOPICS.endpointLoad],
      logger: this.logger,
      handler: ({ message }) => {
        if (!message.value) return;
        try {
          this.view.observe(endpointLoadCodec.decode(message.value));
          this.records.inc();
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'undecodable endpoint load record skipped');
        }
      },
    });
    void this.consumer.start();
    this.health.register('kafka-consumer', () => this.consumer?.isReady() ?? false);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}

@Module({})
export class AutoscalerModule {
  static forRoot(config: AutoscalerConfig): DynamicModule {
    return {
      module: AutoscalerModule,
      imports: [KafkaModule.forRoot({ clientId: 'llmd-autoscaler', brokers: config.kafka.brokers, bufferSize: config.kafka.bufferSize })],
      providers: [{ provide: CONFIG, useValue: config }, AutoscalerRuntime],
    };
  }
}
