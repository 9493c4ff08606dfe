// The relay's flow control over real sockets: a client that stops reading stops the gateway reading
// the pod (the pod's writes back up), and every byte still arrives, in order, once it reads again.
import { createServer, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadConfig, Registry } from '@llmd/platform';
import { GATEWAY_ENV, gatewayConfigSchema } from '../config';
import type { SchedulerClient } from '../scheduler/scheduler-client';
import { RequestRecorder } from '../telemetry/request-recorder';
import { CompletionProxy } from './completion-proxy';

// About 11 MB: more than loopback's socket buffers hold between the pod and a client that stops reading.
const EVENTS = 100000;
const event = (i: number) => `data: {"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" token-${String(i).padStart(6, '0')}","finish_reason":null}]}\n\n`;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('CompletionProxy relaying a stream to a slow client', () => {
  let pod: Server;
  let gateway: Server;
  let proxy: CompletionProxy;
  let gatewayPort: number;
  /** Events the pod has written so far. */
  let podWritten = 0;
  /** The gateway's response to the client (to read what it holds in memory). */
  let toClient: ServerResponse | undefined;

  beforeAll(async () => {
    pod = createServer((_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const more = () => {
        while (podWritten < EVENTS) {
          if (!res.write(event(podWritten++))) {
            res.once('drain', more);
            return;
          }
        }
        res.end('data: [DONE]\n\n');
      };
      more();
    });
    const podPort = await listen(pod);
    const config = loadConfig(gatewayConfigSchema, { envMap: GATEWAY_ENV, env: {} });
    const scheduler = {
      hasSnapshot: () => false,
      endpoints: () => [],
      pick: async () => ({ target: { id: 'pod', address: `127.0.0.1:${podPort}`, models: ['m'], loraAdapters: [] }, fallbacks: [] }),
      firstToken: () => undefined,
      complete: () => undefined,
    } as unknown as SchedulerClient;
    proxy = new CompletionProxy(config, scheduler, new RequestRecorder(new Registry(), undefined), pino({ level: 'silent' }));
    gateway = createServer((req, res) => {
      toClient = res;
      proxy.serve('/v1/completions', req, res);
    });
    gatewayPort = await listen(gateway);
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => gateway.close(r));
    await new Promise((r) => pod.close(r));
  });

  it('stops reading the pod while the client does not read, and delivers every event in order after', async () => {
    const body = JSON.stringify({ model: 'm', prompt: 'hi', max_tokens: EVENTS, stream: true, stream_options: { include_usage: true } });
    let writtenWhilePaused = 0;
    let heldByGateway = 0;
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: gatewayPort, path: '/v1/completions', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        expect(res.statusCode).toBe(200);
        // Read nothing for a while: the sockets' buffers fill, and the gateway must stop reading the pod.
        res.pause();
        setTimeout(() => {
          writtenWhilePaused = podWritten;
          heldByGateway = toClient?.writableLength ?? -1;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.resume();
        }, 500);
      });
      req.on('error', reject);
      req.end(body);
    });
    // The gateway stopped reading the pod instead of holding the stream in memory for the client.
    expect(writtenWhilePaused).toBeGreaterThan(0);
    expect(heldByGateway).toBeGreaterThanOrEqual(0);
    expect(heldByGateway).toBeLessThan(256 * 1024);
    const texts = received.split('\n\n').filter((e) => e.startsWith('data: {'));
    expect(texts).toHaveLength(EVENTS);
    expect(texts.every((e, i) => e === event(i).trimEnd())).toBe(true);
    expect(received.endsWith('data: [DONE]\n\n')).toBe(true);
  }, 30000);
});

// What the scheduler hears of a request: whether its first token will be reported, the first token
// (only on a stream, once, while the stream is still open) and its end.
describe('CompletionProxy reporting to the scheduler', () => {
  let pod: Server;
  let gateway: Server;
  let proxy: CompletionProxy;
  let gatewayPort: number;
  let release: () => void = () => undefined;
  let pickFails = false;
  const calls: string[] = [];
  const inputs: { requestId: string; reportsFirstToken: boolean }[] = [];

  beforeAll(async () => {
    pod = createServer((req, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
        if (!body.stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text: ' hi', finish_reason: 'length' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
        }
        // One token, then the rest only when the test says so: the first token is out, the stream open.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(event(0));
        release = () => res.end(`${event(1)}data: [DONE]\n\n`);
      });
    });
    const podPort = await listen(pod);
    const target = { id: 'pod', address: `127.0.0.1:${podPort}`, models: ['m'], loraAdapters: [] };
    const config = loadConfig(gatewayConfigSchema, { envMap: GATEWAY_ENV, env: {} });
    const scheduler = {
      hasSnapshot: () => false,
      endpoints: () => [{ ...target, waiting: 0, running: 0, inFlight: 0, kvCacheUsage: 0, healthy: true }],
      pick: async (input: { requestId: string; reportsFirstToken: boolean }) => {
        inputs.push({ requestId: input.requestId, reportsFirstToken: input.reportsFirstToken });
        if (pickFails) throw Object.assign(new Error('scheduler down'), { code: 14 });
        return { target, fallbacks: [] };
      },
      firstToken: (id: string) => calls.push(`first-token ${id}`),
      complete: (id: string) => calls.push(`complete ${id}`),
    } as unknown as SchedulerClient;
    proxy = new CompletionProxy(config, scheduler, new RequestRecorder(new Registry(), undefined), pino({ level: 'silent' }));
    gateway = createServer((req, res) => proxy.serve('/v1/completions', req, res));
    gatewayPort = await listen(gateway);
  });

  beforeEach(() => {
    calls.length = 0;
    inputs.length = 0;
    pickFails = false;
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => gateway.close(r));
    await new Promise((r) => pod.close(r));
  });

  /** Sends a completion; `onFirstData` runs once the first bytes of the answer reach the client. */
  const send = (stream: boolean, onFirstData: () => void = () => undefined) =>
    new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: gatewayPort, path: '/v1/completions', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.push(c) === 1) onFirstData();
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'm', prompt: 'hi', max_tokens: 2, stream }));
    });

  it('streamed: says the first token will be reported, reports it once while the stream is open, then completes', async () => {
    let atFirstData: string[] = [];
    const text = await send(true, () => {
      // The first token is at the client; the rest is held by the pod until released.
      setTimeout(() => {
        atFirstData = [...calls];
        release();
      }, 50);
    });
    expect(text).toContain('token-000001');
    const id = inputs[0].requestId;
    expect(inputs).toEqual([{ requestId: id, reportsFirstToken: true }]);
    expect(atFirstData).toEqual([`first-token ${id}`]);
    expect(calls).toEqual([`first-token ${id}`, `complete ${id}`]);
  });

  it('not streamed: no first-token report, only the completion', async () => {
    await send(false);
    const id = inputs[0].requestId;
    expect(inputs).toEqual([{ requestId: id, reportsFirstToken: false }]);
    expect(calls).toEqual([`complete ${id}`]);
  });

  it('failed open: the scheduler did not pick it, so it hears nothing of it', async () => {
    pickFails = true;
    const text = await send(true, () => setTimeout(() => release(), 20));
    expect(text).toContain('[DONE]');
    expect(calls).toEqual([]);
  });
});
