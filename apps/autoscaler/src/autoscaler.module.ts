// Nest wiring of the autoscaler: Kafka (consumers and the decisions' producer), started after
// bootstrap, stopped (lease released, consumers closed) on shutdown.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { BufferedProducer, DEBUG_VIEWS, HealthChecks, KafkaModule, LOGGER, Registry } from '@llmd/platform';
import { AutoscalerRuntime } from './autoscaler.runtime';
import type { AutoscalerConfig } from './config';

const CONFIG = Symbol('AUTOSCALER_CONFIG');

class AutoscalerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly runtime: AutoscalerRuntime;

  constructor(
    @Inject(CONFIG) config: AutoscalerConfig,
    @Inject(Kafka) kafka: Kafka,
    @Inject(BufferedProducer) producer: BufferedProducer,
    @Inject(HealthChecks) health: HealthChecks,
    @Inject(Registry) registry: Registry,
    @Inject(LOGGER) logger: Logger,
    @Inject(DEBUG_VIEWS) debug: Map<string, () => unknown>,
  ) {
    this.runtime = new AutoscalerRuntime(config, { kafka, producer, health, registry, logger, debug });
    logger.info({ actuator: config.actuator, mode: config.mode, syncSeconds: config.syncSeconds, namespace: config.kubernetes.namespace ?? 'all' }, 'autoscaler configured');
  }

  onApplicationBootstrap(): void {
    this.runtime.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}

@Module({})
export class AutoscalerModule {
  static forRoot(config: AutoscalerConfig): DynamicModule {
    return {
      module: AutoscalerModule,
      imports: [KafkaModule.forRoot({ clientId: 'llmd-autoscaler', brokers: config.kafka.brokers, tls: config.kafka.tls, sasl: config.kafka.sasl, bufferSize: config.kafka.bufferSize })],
      providers: [{ provide: CONFIG, useValue: config }, AutoscalerLifecycle],
    };
  }
}
