// scheduler: the endpoint picker. Serves Scheduler.Pick over gRPC from live endpoint load.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { createServiceShell, loadConfigOrExit, PinoNestLogger, runService, ServiceShellModule } from '@llmd/platform';
import { SCHEDULER_ENV, schedulerConfigSchema } from './config';
import { SchedulerModule } from './scheduler.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit('scheduler', schedulerConfigSchema, { envMap: SCHEDULER_ENV });
  const shell = createServiceShell('scheduler', config.logLevel);

  @Module({ imports: [ServiceShellModule.forRoot(shell), SchedulerModule.forRoot(config)] })
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

void main();
