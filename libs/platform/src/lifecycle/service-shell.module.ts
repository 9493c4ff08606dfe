// Makes the service shell's logger, metrics registry and health checks injectable.
import { DynamicModule, Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { HealthChecks } from '../health';
import type { ServiceShell } from './service-shell';

export const LOGGER = Symbol('LOGGER');

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
      ],
      exports: [LOGGER, Registry, HealthChecks],
    };
  }
}
