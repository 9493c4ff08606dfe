// Wiring of the gateway app: scheduler client, proxy, telemetry, routes.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BufferedProducer, HealthChecks, KafkaModule, LOGGER, Registry } from '@llmd/platform';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { OpenAIController } from './http/openai.controller';
import { CompletionProxy } from './proxy/completion-proxy';
import { SchedulerClient } from './scheduler/scheduler-client';
import { RequestRecorder } from './telemetry/request-recorder';
import { readKeyFile, TenantRegistry } from './tenants/tenant-registry';

class GatewayRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SchedulerClient) private readonly scheduler: SchedulerClient,
    @Inject(CompletionProxy) private readonly proxy: CompletionProxy,
    @Inject(HealthChecks) private readonly health: HealthChecks,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.start();
    this.health.register('endpoints', () => this.scheduler.endpoints().some((e) => e.healthy));
  }

  async onApplicationShutdown(): Promise<void> {
    this.scheduler.stop();
    await this.proxy.close();
  }
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const kafka = config.kafka.enabled ? [KafkaModule.forRoot({ clientId: 'llmd-gateway', brokers: config.kafka.brokers, bufferSize: config.kafka.bufferSize, critical: false })] : [];
    return {
      module: GatewayModule,
      imports: kafka,
      controllers: [OpenAIController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: SchedulerClient, inject: [LOGGER], useFactory: (logger: Logger) => new SchedulerClient(config.scheduler.address, config.scheduler, logger) },
        {
          provide: RequestRecorder,
          inject: [Registry, { token: BufferedProducer, optional: true }],
          useFactory: (registry: Registry, producer?: BufferedProducer) => new RequestRecorder(registry, producer),
        },
        {
          provide: TenantRegistry,
          useFactory: () => (config.auth.enabled ? new TenantRegistry([...config.auth.keys, ...(config.auth.keysFile ? readKeyFile(config.auth.keysFile) : [])]) : undefined),
        },
        {
          provide: CompletionProxy,
          inject: [SchedulerClient, RequestRecorder, LOGGER, TenantRegistry],
          useFactory: (s: SchedulerClient, r: RequestRecorder, l: Logger, t: TenantRegistry | undefined) => new CompletionProxy(config, s, r, l, t),
        },
        GatewayRuntime,
      ],
    };
  }
}
