// Nest wiring for Kafka: the client and the buffered telemetry producer, started with the app and
// flushed on shutdown. Readiness reports whether the producer is connected.
import { DynamicModule, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { HealthChecks } from '../health';
import { LOGGER } from '../lifecycle/service-shell.module';
import { BufferedProducer } from './buffered-producer';
import { createKafkaClient } from './kafka-client';
import type { KafkaSecurityConfig } from './kafka-security';

export interface KafkaModuleOptions extends KafkaSecurityConfig {
  clientId: string;
  brokers: string[];
  bufferSize: number;
  /** Whether readiness fails while Kafka is unreachable. @default true */
  critical?: boolean;
}

const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(BufferedProducer) private readonly producer: BufferedProducer,
    @Inject(HealthChecks) private readonly health: HealthChecks,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions,
  ) {}
  onModuleInit(): void {
    this.health.register('kafka', () => this.producer.isConnected(), { critical: this.options.critical ?? true });
    this.producer.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.producer.stop(3000);
  }
}

@Module({})
export class KafkaModule {
  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        { provide: KAFKA_OPTIONS, useValue: options },
        {
          provide: Kafka,
          inject: [KAFKA_OPTIONS, LOGGER],
          useFactory: (o: KafkaModuleOptions, logger: Logger) => createKafkaClient({ clientId: o.clientId, brokers: o.brokers, tls: o.tls, sasl: o.sasl, logger }),
        },
        {
          provide: BufferedProducer,
          inject: [Kafka, Registry, LOGGER, KAFKA_OPTIONS],
          useFactory: (kafka: Kafka, registry: Registry, logger: Logger, o: KafkaModuleOptions) =>
            new BufferedProducer({ kafka, registry, logger: logger.child({ component: 'telemetry-producer' }), capacity: o.bufferSize }),
        },
        KafkaLifecycle,
      ],
      exports: [Kafka, BufferedProducer],
    };
  }
}
