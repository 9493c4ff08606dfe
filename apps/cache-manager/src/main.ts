// cache-manager: the KV-block index service, fed by vLLM KV events from Kafka, answering over gRPC.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServiceShell, loadConfigOrExit, PinoNestLogger, runService, ServiceShellModule } from '@llmd/platform';
import { CacheManagerModule } from './cache-manager.module';
import { CACHE_MANAGER_ENV, cacheManagerConfigSchema } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit('cache-manager', cacheManagerConfigSchema, { envMap: CACHE_MANAGER_ENV });
  const shell = createServiceShell('cache-manager', config.logLevel);

  @Module({ imports: [ServiceShellModule.forRoot(shell), CacheManagerModule.forRoot(config)] })
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
