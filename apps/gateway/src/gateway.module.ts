// Wiring of the gateway app: scheduler client, proxy, telemetry, routes.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BufferedProducer, clusterWorkerIndex, grpcChannelSecurity, HealthChecks, KafkaModule, LOGGER, Registry } from '@llmd/platform';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { OpenAIController } from './http/openai.controller';
import { CompletionProxy } from './proxy/completion-proxy';
import { SchedulerClient } from './scheduler/scheduler-client';
import { RequestRecorder } from './telemetry/request-recorder';
import { primaryRateLimiter } from './tenants/cluster-rate-limits';
import { KeyFileWatcher } from './tenants/key-file-watcher';
import { TenantRegistry } from './tenants/tenant-registry';

class GatewayRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SchedulerClient) private readonly scheduler: SchedulerClient,
    @Inject(CompletionProxy) private readonly proxy: CompletionProxy,
    @Inject(HealthChecks) private readonly health: HealthChecks,
    @Inject(KeyFileWatcher) private readonly keyFile: KeyFileWatcher | undefined,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.keyFile?.start(this.config.auth.keysFileReloadMs);
    this.scheduler.start();
    this.health.register('endpoints', () => this.scheduler.endpoints().some((e) => e.healthy));
  }

  async onApplicationShutdown(): Promise<void> {
    this.keyFile?.stop();
    this.scheduler.stop();
    await this.proxy.close();
  }
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const kafka = config.kafka.enabled ? [KafkaModule.forRoot({ clientId: 'llmd-gateway', brokers: config.kafka.brokers, tls: config.kafka.tls, sasl: config.kafka.sasl, bufferSize: config.kafka.bufferSize, critical: false })] : [];
    return {
      module: GatewayModule,
      imports: kafka,
      controllers: [OpenAIController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        {
          provide: SchedulerClient,
          inject: [LOGGER],
          useFactory: (logger: Logger) => {
            const security = grpcChannelSecurity(config.scheduler.tls, 'scheduler.tls', logger);
            logger.info({ address: config.scheduler.address, ...security.description }, 'scheduler channel');
            return new SchedulerClient(config.scheduler.address, config.scheduler, logger, security);
          },
        },
        {
          provide: RequestRecorder,
          inject: [Registry, { token: BufferedProducer, optional: true }],
          useFactory: (registry: Registry, producer?: BufferedProducer) => new RequestRecorder(registry, producer),
        },
        {
          provide: TenantRegistry,
          inject: [Registry, LOGGER],
          useFactory: (registry: Registry, logger: Logger) => {
            if (!config.auth.enabled) return undefined;
            // A worker of several: the rate-limit buckets are the primary's (one set per pod).
            if (clusterWorkerIndex() === undefined) return new TenantRegistry(config.auth.keys);
            const errors = new Counter({ name: 'llmd_gateway_rate_limit_local_decisions_total', help: 'Rate-limited requests a worker decided with its own buckets because the primary did not answer', registers: [registry] });
            let lastWarnMs = 0;
            return new TenantRegistry(config.auth.keys, Date.now, {
              limiter: primaryRateLimiter(),
              onError: (err) => {
                errors.inc();
                if (Date.now() - lastWarnMs < 60000) return;
                lastWarnMs = Date.now();
                logger.warn({ err: err.message }, 'the primary\'s rate-limit buckets did not answer; this worker decides with its own');
              },
            });
          },
        },
        {
          // The key file is read before the gateway serves (a bad one stops the start, naming the field),
          // then re-read every auth.keysFileReloadMs.
          provide: KeyFileWatcher,
          inject: [TenantRegistry, Registry, LOGGER],
          useFactory: (tenants: TenantRegistry | undefined, registry: Registry, logger: Logger) => {
            const path = config.auth.keysFile;
            if (!tenants || !path) return undefined;
            const reloads = new Counter({ name: 'llmd_gateway_key_file_reloads_total', help: 'Tenant key file reads that changed something, by result (reloaded, invalid, unreadable)', labelNames: ['result'], registers: [registry] });
            const watcher = new KeyFileWatcher(path, config.auth.keys, tenants, (r) => {
              if (r.result === 'unchanged') return;
              reloads.inc({ result: r.result });
              if (r.result === 'reloaded') logger.info({ file: path, tenants: r.tenants }, 'tenant keys loaded');
              else logger.warn({ file: path, reason: r.reason }, 'tenant key file not applied; the keys in force stay');
            });
            const first = watcher.check();
            if (first.result !== 'reloaded') throw new Error(`auth.keysFile ${path}: ${first.reason}`);
            return watcher;
          },
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
