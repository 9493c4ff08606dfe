// autoscaler: reads pool load from Kafka; sets the replicas of each pool (with the autoscaling issue).
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServiceShell, loadConfigOrExit, PinoNestLogger, runService, ServiceShellModule } from '@llmd/platform';
import { AutoscalerModule } from './autoscaler.module';
import { AUTOSCALER_ENV, autoscalerConfigSchema } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit('autoscaler', autoscalerConfigSchema, { envMap: AUTOSCALER_ENV });
  const shell = createServiceShell('autoscaler', config.logLevel);

  @Module({ imports: [ServiceShellModule.forRoot(shell), AutoscalerModule.forRoot(config)] })
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
