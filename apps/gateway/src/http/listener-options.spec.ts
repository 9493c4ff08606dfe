// The API listener's limits over real sockets, through the real server factory, body reader,
// controller and exception filter, with small configured deadlines: slow heads and bodies are cut
// off, oversize ones refused unparsed.
import 'reflect-metadata';
import { connect, Socket } from 'node:net';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../config';
import { ApiServer, CompletionHandler, CompletionPath } from './api-server';
import { SchedulerClient } from '../scheduler/scheduler-client';
import { TenantRegistry } from '../tenants/tenant-registry';
import { clientErrorOf, deadlineCheckMs, listenerOptions } from './listener-options';
import { OpenAIController } from './openai.controller';
import { OpenAIExceptionFilter } from './openai-exception.filter';
import { withJsonBody } from './request-body';

// Deadlines short enough to wait out, long enough that a loaded machine (CI runs suites in parallel) still
// serves the request that arrives at once: 150 ms and 300 ms once answered 408 there.
const limits: GatewayConfig['limits'] = { bodyBytes: 4096, promptTokens: 1000, headerBytes: 2048, headersTimeoutMs: 600, requestTimeoutMs: 1200, keepAliveTimeoutMs: 5000 };

/** Stands in for the proxy: reads the body as it does, counts the requests whose body parsed, answers 200. */
class CountingProxy implements CompletionHandler {
  handled = 0;
  serve(_path: CompletionPath, req: IncomingMessage, res: ServerResponse): void {
    withJsonBody(req, res, limits.bodyBytes, () => {
      this.handled++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  }
}

/** Everything the server sends on one connection until it closes it. */
function exchange(port: number, drive: (socket: Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('connect', () => drive(socket));
  });
}

const statusOf = (raw: string) => Number(raw.match(/^HTTP\/1\.1 (\d{3})/)?.[1]);
const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error: { code: string; type: string; message: string } };

describe('the API listener', () => {
  const proxy = new CountingProxy();
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    @Module({
      controllers: [OpenAIController],
      providers: [
        { provide: SchedulerClient, useValue: { endpoints: () => [] } },
        { provide: TenantRegistry, useFactory: () => undefined },
      ],
    })
    class ListenerTestModule {}
    const server = new ApiServer();
    server.serveCompletionsWith(proxy);
    app = await NestFactory.create<NestFastifyApplication>(ListenerTestModule, new FastifyAdapter(listenerOptions(limits, undefined, server.factory)), { logger: false });
    app.useGlobalFilters(new OpenAIExceptionFilter());
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    proxy.handled = 0;
  });

  it('serves a request that arrives in time and within the limits', async () => {
    const body = JSON.stringify({ model: 'm', prompt: 'hi' });
    const raw = await exchange(port, (s) => s.end(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
    expect(statusOf(raw)).toBe(200);
    expect(proxy.handled).toBe(1);
  });

  it('cuts off a head that never ends (slowloris) with 408 in OpenAI shape', async () => {
    const raw = await exchange(port, (s) => s.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    expect(statusOf(raw)).toBe(408);
    expect(bodyOf(raw).error).toMatchObject({ code: 'request_timeout', type: 'invalid_request_error' });
    expect(proxy.handled).toBe(0);
  });

  it('closes a connection that sends nothing at all', async () => {
    const raw = await exchange(port, () => undefined);
    expect(raw === '' || statusOf(raw) === 408).toBe(true);
  });

  it('cuts off a body dripped slower than the request deadline with 408', async () => {
    const raw = await exchange(port, (s) => s.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":'));
    expect(statusOf(raw)).toBe(408);
    expect(proxy.handled).toBe(0);
  });

  it('refuses an oversize head with 431 in OpenAI shape, before any route runs', async () => {
    const raw = await exchange(port, (s) => s.write(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(limits.headerBytes * 2)}\r\n\r\n`));
    expect(statusOf(raw)).toBe(431);
    expect(bodyOf(raw).error.code).toBe('headers_too_large');
  });

  it.each([
    ['declared by Content-Length (no byte of it read)', (s: Socket) => s.write(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${limits.bodyBytes * 4}\r\nConnection: close\r\n\r\n{`)],
    ['sent chunked', (s: Socket) => s.end(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(limits.bodyBytes * 2).toString(16)}\r\n${'{'.padEnd(limits.bodyBytes * 2, ' ')}\r\n0\r\n\r\n`)],
  ])('refuses an oversize body %s with 413 in OpenAI shape, unparsed', async (_name, drive) => {
    const raw = await exchange(port, drive);
    expect(statusOf(raw)).toBe(413);
    expect(bodyOf(raw).error).toMatchObject({ code: 'payload_too_large', type: 'invalid_request_error' });
    expect(proxy.handled).toBe(0);
  });

  it('answers a malformed request line with 400 in OpenAI shape', async () => {
    const raw = await exchange(port, (s) => s.write('NOT HTTP AT ALL\r\n\r\n'));
    expect(statusOf(raw)).toBe(400);
    expect(bodyOf(raw).error.code).toBe('invalid_request');
  });
});

describe('listener deadlines', () => {
  it.each([
    [10000, 1000],
    [150, 37],
    [1, 10],
  ])('a %d ms head deadline is checked every %d ms', (headersTimeoutMs, every) => {
    expect(deadlineCheckMs(headersTimeoutMs)).toBe(every);
  });

  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['HPE_HEADER_OVERFLOW', 431],
    ['HPE_INVALID_METHOD', 400],
    [undefined, 400],
  ])('%s answers %d', (code, status) => {
    expect(clientErrorOf(code).status).toBe(status);
  });
});
