// GET /health on the API port, through the real controller and Fastify, over a snapshot the test sets.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EndpointLoadView } from '../routing/routing-types';
import { SchedulerClient } from '../scheduler/scheduler-client';
import { TenantRegistry } from '../tenants/tenant-registry';
import { OpenAIController } from './openai.controller';

/** The scheduler client's snapshot, as the last ListEndpoints answer left it. */
class SnapshotSource {
  snapshot: EndpointLoadView[] = [];
  endpoints(): readonly EndpointLoadView[] {
    return this.snapshot;
  }
}

const endpoint: EndpointLoadView = { id: 'sim-0', address: '127.0.0.1:1', models: ['m'], loraAdapters: [], waiting: 0, running: 0, inFlight: 0, kvCacheUsage: 0, healthy: true };

describe('GET /health on the API port', () => {
  const source = new SnapshotSource();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    @Module({
      controllers: [OpenAIController],
      providers: [
        { provide: SchedulerClient, useValue: source },
        { provide: TenantRegistry, useFactory: () => undefined },
      ],
    })
    class HealthTestModule {}
    app = await NestFactory.create<NestFastifyApplication>(HealthTestModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['no endpoint: 503 with an OpenAI error', [], 503, { error: { message: 'No inference endpoint is available.', type: 'server_error', param: null, code: 'no_endpoint_available' } }],
    ['a healthy endpoint: 200 with an empty body', [endpoint], 200, undefined],
    ['only an unhealthy endpoint (a dead pod still listed): 503', [{ ...endpoint, healthy: false }], 503, { error: { message: 'No inference endpoint is available.', type: 'server_error', param: null, code: 'no_endpoint_available' } }],
  ])('%s', async (_name, snapshot, status, body) => {
    source.snapshot = snapshot;
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(status);
    if (body) expect(res.json()).toEqual(body);
    else expect(res.body).toBe('');
  });
});
