// Nest wiring of the operator: starts it after bootstrap, stops it on shutdown (controllers drained,
// lease released) before the ops server goes.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DEBUG_VIEWS, HealthChecks, LOGGER, Registry } from '@llmd/platform';
import type { OperatorConfig } from './config';
import { Operator } from './operator';

const CONFIG = Symbol('OPERATOR_CONFIG');

class OperatorRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly operator: Operator;

  constructor(
    @Inject(CONFIG) config: OperatorConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(Registry) registry: Registry,
    @Inject(HealthChecks) health: HealthChecks,
    @Inject(DEBUG_VIEWS) debug: Map<string, () => unknown>,
  ) {
    this.operator = new Operator(config, { logger, registry, health, debug });
    logger.info({ watchNamespaces: config.watchNamespaces.length ? config.watchNamespaces : 'all', concurrency: config.concurrency, leaderElection: config.leaderElection }, 'operator configured');
  }

  onApplicationBootstrap(): void {
    this.operator.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.operator.stop();
  }
}

@Module({})
export class OperatorModule {
  static forRoot(config: OperatorConfig): DynamicModule {
    return { module: OperatorModule, providers: [{ provide: CONFIG, useValue: config }, OperatorRuntime] };
  }
}
