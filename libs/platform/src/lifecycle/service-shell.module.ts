// Makes the service shell's logger, metrics registry and health checks injectable.
import { DynamicModule, Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { HealthChecks } from '../health';
import type { ServiceShell } from './service-shell';

export const LOGGER = Symbol('LOGGER');
/** The shell's debug views (Map<string, () => unknown>), served at GET /debug/<name> on the ops port. */
export const DEBUG_VIEWS = Symbol('DEBUG_VIEWS');

@Global()
@Module({})
export class ServiceShellModule {
  static forRoot(shell: ServiceShell): DynamicModule {
    return {
      module: ServiceShellModule,
      providers: [
        { provide: LOGGER, useValue: shell.logger },
        { provide: Registry, useValue: shell.registry },
        { provide: HealthChecks, useValue: shell.health },
        { provide: DEBUG_VIEWS, useValue: shell.debug },
      ],
      exports: [LOGGER, Registry, HealthChecks, DEBUG_VIEWS],
    };
  }
}
