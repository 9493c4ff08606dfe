// operator: reconciles llm-d.io custom resources into Kubernetes objects. This build validates its
// configuration and reports health and metrics; the reconcilers come with the operator issue.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServiceShell, Gauge, loadConfigOrExit, PinoNestLogger, runService, ServiceShellModule } from '@llmd/platform';
import { OPERATOR_ENV, operatorConfigSchema } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit('operator', operatorConfigSchema, { envMap: OPERATOR_ENV });
  const shell = createServiceShell('operator', config.logLevel);
  new Gauge({ name: 'llmd_operator_watched_namespaces', help: 'Namespaces the operator watches (0 means all)', registers: [shell.registry] }).set(config.watchNamespaces.length);
  new Gauge({ name: 'llmd_operator_reconcile_concurrency', help: 'Configured reconcile concurrency', registers: [shell.registry] }).set(config.concurrency);

  @Module({ imports: [ServiceShellModule.forRoot(shell)] })
  class AppModule {}

  await runService(shell, {
    ops: config.ops,
    graceMs: config.shutdown.graceMs,
    start: async () => {
      const app = await NestFactory.createApplicationContext(AppModule, { logger: new PinoNestLogger(shell.logger) });
      await app.init();
      shell.logger.info({ watchNamespaces: config.watchNamespaces.length ? config.watchNamespaces : 'all', concurrency: config.concurrency }, 'operator configured');
      return app;
    },
  });
}

void main();
