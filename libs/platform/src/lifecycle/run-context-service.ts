// The whole start of a service that serves no HTTP API of its own (its transports are gRPC, Kafka or
// the Kubernetes API): validated config, the service shell, a Nest application context, and clean
// shutdown on SIGTERM.
import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { z } from 'zod';
import { loadConfigOrExit } from '../config';
import { PinoNestLogger } from '../logging';
import { createServiceShell, runService, ServiceShell } from './service-shell';
import { ServiceShellModule } from './service-shell.module';

interface BaseConfig {
  logLevel: string;
  ops: { host: string; port: number };
  shutdown: { graceMs: number };
}

export interface ContextServiceOptions<S extends z.ZodType<BaseConfig>> {
  service: string;
  schema: S;
  envMap: Record<string, string>;
  /** The service's own module (and anything it wants done with the shell first). */
  module: (config: z.infer<S>, shell: ServiceShell) => DynamicModule | DynamicModule[];
}

export async function runContextService<S extends z.ZodType<BaseConfig>>(options: ContextServiceOptions<S>): Promise<void> {
  const config = loadConfigOrExit(options.service, options.schema, { envMap: options.envMap });
  const shell = createServiceShell(options.service, config.logLevel);
  const own = options.module(config, shell);

  @Module({ imports: [ServiceShellModule.forRoot(shell), ...(Array.isArray(own) ? own : [own])] })
  class AppModule {}

  await runService(shell, {
    ops: config.ops,
    graceMs: config.shutdown.graceMs,
    start: async () => {
      const app = await NestFactory.createApplicationContext(AppModule, { logger: new PinoNestLogger(shell.logger) });
      await app.init();
      return app;
    },
  });
}
