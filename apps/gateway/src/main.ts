// gateway: the OpenAI-compatible front door. Asks the scheduler per request and proxies to vLLM pods.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { availableCpus, createServiceShell, loadConfigOrExit, PinoNestLogger, runService, ServiceShellModule } from '@llmd/platform';
import { GATEWAY_ENV, gatewayConfigSchema } from './config';
import { GatewayModule } from './gateway.module';
import { ApiServer } from './http/api-server';
import { apiListener } from './http/https-listener';
import { listenerOptions } from './http/listener-options';
import { OpenAIExceptionFilter } from './http/openai-exception.filter';
import { CompletionProxy } from './proxy/completion-proxy';
import { TENANT_RATE_REQUEST } from './tenants/cluster-rate-limits';
import { rateRequestOf, TenantBuckets } from './tenants/rate-limiter';

/** `--workers <n|auto>` on the command line wins over LLMD_GATEWAY_WORKERS and the config file. */
function applyFlags(): void {
  try {
    const { values } = parseArgs({ options: { workers: { type: 'string' } }, strict: true });
    if (values.workers !== undefined) process.env.LLMD_GATEWAY_WORKERS = values.workers;
  } catch (err) {
    process.stderr.write(`gateway: ${(err as Error).message} (the one flag is --workers <n|auto>)\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  applyFlags();
  const config = loadConfigOrExit('gateway', gatewayConfigSchema, { envMap: GATEWAY_ENV });
  const shell = createServiceShell('gateway', config.logLevel);

  @Module({ imports: [ServiceShellModule.forRoot(shell), GatewayModule.forRoot(config)] })
  class AppModule {}

  const workers = config.workers === 'auto' ? availableCpus() : config.workers;
  // With several workers the tenants' rate-limit buckets live in the primary, one set per pod.
  const buckets = new TenantBuckets();
  await runService(shell, {
    ops: config.ops,
    graceMs: config.shutdown.graceMs,
    workers,
    primaryHandlers: {
      [TENANT_RATE_REQUEST]: (payload) => {
        const r = rateRequestOf(payload);
        return buckets.take(r.tenant, r.limits, r.tokens);
      },
    },
    start: async () => {
      const listener = apiListener(config.http.tls, shell.logger);
      // The completion routes are served straight off the HTTP server; the rest is Fastify's.
      const apiServer = new ApiServer();
      const adapter = new FastifyAdapter(listenerOptions(config.limits, listener.https, apiServer.factory));
      const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, { logger: new PinoNestLogger(shell.logger), bodyParser: true });
      app.useGlobalFilters(new OpenAIExceptionFilter());
      apiServer.serveCompletionsWith(app.get(CompletionProxy));
      app.getHttpAdapter().getInstance().addHook('preClose', (done) => {
        apiServer.close();
        done();
      });
      await app.listen(config.http.port, config.http.host);
      const detach = listener.attach(app.getHttpServer());
      shell.logger.info({ port: config.http.port, ...listener.description, ...(workers > 1 ? { workers } : {}) }, 'gateway listening');
      return {
        close: async () => {
          detach();
          await app.close();
        },
      };
    },
  });
}

void main();
