// operator: reconciles llm-d.io custom resources into Kubernetes objects. This build validates its
// configuration and reports health and metrics; the reconcilers come with the operator issue.
import 'reflect-metadata';
import { DynamicModule, Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Gauge, LOGGER, runContextService } from '@llmd/platform';
import { OPERATOR_ENV, OperatorConfig, operatorConfigSchema } from './config';

const CONFIG = Symbol('OPERATOR_CONFIG');

class OperatorRuntime implements OnApplicationBootstrap {
  constructor(
    @Inject(CONFIG) private readonly config: OperatorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.logger.info({ watchNamespaces: this.config.watchNamespaces.length ? this.config.watchNamespaces : 'all', concurrency: this.config.concurrency }, 'operator configured');
  }
}

@Module({})
class OperatorModule {
  static forRoot(config: OperatorConfig): DynamicModule {
    return { module: OperatorModule, providers: [{ provide: CONFIG, useValue: config }, OperatorRuntime] };
  }
}

void runContextService({
  service: 'operator',
  schema: operatorConfigSchema,
  envMap: OPERATOR_ENV,
  module: (config, shell) => {
    new Gauge({ name: 'llmd_operator_watched_namespaces', help: 'Namespaces the operator watches (0 means all)', registers: [shell.registry] }).set(config.watchNamespaces.length);
    new Gauge({ name: 'llmd_operator_reconcile_concurrency', help: 'Configured reconcile concurrency', registers: [shell.registry] }).set(config.concurrency);
    return OperatorModule.forRoot(config);
  },
});
