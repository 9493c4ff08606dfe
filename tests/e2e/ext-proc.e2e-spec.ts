// The scheduler as an endpoint picker behind an Envoy-based gateway: a client that speaks ext_proc as
// Envoy does in FULL_DUPLEX_STREAMED mode drives the real scheduler, which picks among real vllm-sim
// pods; the client then sends each request where the picker said and passes the answer back.
import { credentials } from '@grpc/grpc-js';
import type { LocalStack } from '@llmd/cli';
import { freePorts } from '@llmd/cli';
import { healthv1 } from '@llmd/proto';
import { requestMetricsCodec } from '@llmd/telemetry';
import { EnvoyExtProcClient } from '../support/envoy-ext-proc';
import { waitForRecord } from '../support/kafka-records';
import { metricSum } from '../support/metrics';
import { TestSchedulerClient } from '../support/scheduler-client';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

interface Decision {
  requestId: string;
  target?: string;
  breakdown: { profile: string; endpointId: string; total: number }[];
}

describe('ext_proc endpoint picker', () => {
  let stack: LocalStack;
  let envoy: EnvoyExtProcClient;
  let extProcPort: number;
  let ops: number;
  let pods: Map<string, string>;

  const chat = (content: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model: E2E_MODEL, messages: [{ role: 'user', content }], max_tokens: 8, ...extra });

  beforeAll(async () => {
    [extProcPort] = await freePorts(1);
    stack = await startTestStack(2, {
      timeScale: 0.05,
      schedulerEnv: { LLMD_SCHEDULER_EXT_PROC_ENABLED: 'true', LLMD_SCHEDULER_EXT_PROC_PORT: String(extProcPort), LLMD_SCHEDULER_EXT_PROC_DESTINATIONS: '3', LLMD_SCHEDULER_PROFILE: 'approx-prefix' },
    });
    ops = stack.options.ports.schedulerOps;
    envoy = new EnvoyExtProcClient(`127.0.0.1:${extProcPort}`);
    pods = new Map(stack.options.ports.sims.map((p, i) => [`127.0.0.1:${p}`, `sim-${i}`]));
  }, 120000);

  afterAll(async () => {
    envoy?.close();
    await stack?.stop();
  });

  it('answers gRPC health for liveness, readiness and the ext_proc service', async () => {
    const health = new healthv1.HealthClient(`127.0.0.1:${extProcPort}`, credentials.createInsecure());
    const check = (service: string) => new Promise<number>((resolve, reject) => health.check({ service }, (err, r) => (err ? reject(err) : resolve(r.status))));
    try {
      for (const service of ['liveness', 'readiness', 'envoy.service.ext_proc.v3.ExternalProcessor']) expect(await check(service)).toBe(healthv1.HealthCheckResponse_ServingStatus.SERVING);
      await expect(check('no.such.Service')).rejects.toMatchObject({ code: 5 });
    } finally {
      health.close();
    }
  });

  it('routes a streamed chat: the destination as header and envoy.lb metadata, the body streamed back, the answer passed on, the lease released', async () => {
    const body = chat('Tell me about routing.', { stream: true, stream_options: { include_usage: true } });
    const r = await envoy.request({ path: '/v1/chat/completions', body, chunkBytes: 7 });
    expect(r.immediate).toBeUndefined();
    const destination = r.setHeaders['x-gateway-destination-endpoint'];
    expect(r.lbMetadata).toEqual({ 'x-gateway-destination-endpoint': destination });
    const [first, ...rest] = destination.split(',');
    expect(pods.has(first)).toBe(true);
    expect(rest.every((a) => pods.has(a) && a !== first)).toBe(true);
    expect(r.setHeaders['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // Unchanged: the same bytes back, and no Content-Length rewritten.
    expect(r.forwardedBody.toString()).toBe(body);
    expect(r.setHeaders['content-length']).toBeUndefined();
    expect(r.status).toBe(200);
    expect(r.responseBody).toContain('data: [DONE]');
    await until(async () => (await metricSum(ops, 'llmd_scheduler_in_flight_leases')) === 0);
    expect(await metricSum(ops, 'llmd_scheduler_ext_proc_tokens_total')).toBeGreaterThan(0);
    const ttft = await metricSum(ops, 'llmd_scheduler_ext_proc_ttft_seconds_count');
    expect(ttft).toBe(1);
  });

  it('writes the request\'s llmd.request-metrics.v1 record, as the gateway does, from what passed through', async () => {
    const body = chat('A record please.', { stream: true, stream_options: { include_usage: true }, max_tokens: 12, ignore_eos: true });
    const r = await envoy.request({ path: '/v1/chat/completions', body, headers: { 'x-request-id': 'ext-proc-record-1' } });
    expect(r.status).toBe(200);
    const { record, key } = await waitForRecord(process.env.LLMD_E2E_KAFKA ?? '', requestMetricsCodec, (rec) => rec.requestId === 'ext-proc-record-1');
    const destination = r.setHeaders['x-gateway-destination-endpoint'].split(',')[0];
    expect(record).toMatchObject({ model: E2E_MODEL, httpStatus: 200, stream: true, completionTokens: 12, decodeEndpoint: pods.get(destination), endpointPath: '/v1/chat/completions', failOpen: false });
    expect(record.promptTokens).toBeGreaterThan(0);
    expect(record.ttftMs).toBeGreaterThan(0);
    expect(record.e2eMs).toBeGreaterThanOrEqual(record.ttftMs);
    expect(key).toBe(pods.get(destination));
  });

  it('streams a large body back in pieces of at most 62,000 bytes, and rewrites the model and Content-Length when asked', async () => {
    const big = chat('word '.repeat(30000));
    const r = await envoy.request({ path: '/v1/chat/completions', body: big, chunkBytes: 16384, headers: { 'x-gateway-model-name-rewrite': E2E_MODEL } , routeOnly: true });
    expect(r.forwardedBody.toString()).toBe(big);
    expect(Math.max(...r.forwardedPieces)).toBeLessThanOrEqual(62000);
    expect(r.forwardedPieces.length).toBe(Math.ceil(big.length / 62000));
    const renamed = await envoy.request({ path: '/v1/chat/completions', body: JSON.stringify({ model: 'the-clients-name', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }), headers: { 'x-gateway-model-name-rewrite': E2E_MODEL } });
    expect(JSON.parse(renamed.forwardedBody.toString()).model).toBe(E2E_MODEL);
    expect(renamed.setHeaders['content-length']).toBe(String(renamed.forwardedBody.length));
    expect(renamed.status).toBe(200);
    await until(async () => (await metricSum(ops, 'llmd_scheduler_in_flight_leases')) === 0);
  });

  it('takes request trailers as the end of the body, and answers them after it', async () => {
    const body = chat('With trailers.');
    const r = await envoy.request({ path: '/v1/chat/completions', body, trailers: true, routeOnly: true });
    expect(r.forwardedBody.toString()).toBe(body);
    expect(r.trailersAnswered).toBe(true);
  });

  it('honours the subset hint, and answers 503 when nothing in it can serve', async () => {
    const [only] = [...pods.keys()];
    for (let i = 0; i < 6; i++) {
      const r = await envoy.request({ path: '/v1/completions', body: JSON.stringify({ model: E2E_MODEL, prompt: `subset ${i}`, max_tokens: 2 }), subset: [only] });
      expect(r.setHeaders['x-gateway-destination-endpoint']).toBe(only);
    }
    // A bare IP names every port of the host (data-parallel ranks): both pods are on 127.0.0.1.
    const any = await envoy.request({ path: '/v1/completions', body: JSON.stringify({ model: E2E_MODEL, prompt: 'any port', max_tokens: 2 }), subset: ['127.0.0.1'], routeOnly: true });
    expect(pods.has(any.setHeaders['x-gateway-destination-endpoint'].split(',')[0])).toBe(true);
    const none = await envoy.request({ path: '/v1/completions', body: JSON.stringify({ model: E2E_MODEL, prompt: 'nowhere', max_tokens: 2 }), subset: ['10.255.255.1:8000'] });
    expect(none.immediate?.status).toBe(503);
    expect(JSON.parse(none.immediate?.body ?? '{}').error.code).toBe('no_endpoint_available');
    await until(async () => (await metricSum(ops, 'llmd_scheduler_in_flight_leases')) === 0);
  });

  it('answers a bad body with 400 in the OpenAI error shape, and an unknown model with 503', async () => {
    const notJson = await envoy.request({ path: '/v1/chat/completions', body: '{"model": ' });
    expect(notJson.immediate).toMatchObject({ status: 400, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(notJson.immediate?.body ?? '{}').error.code).toBe('invalid_json');
    const noMessages = await envoy.request({ path: '/v1/chat/completions', body: JSON.stringify({ model: E2E_MODEL }) });
    expect(noMessages.immediate?.status).toBe(400);
    expect(JSON.parse(noMessages.immediate?.body ?? '{}').error.param).toBe('messages');
    const unknown = await envoy.request({ path: '/v1/completions', body: JSON.stringify({ model: 'no-such-model', prompt: 'x' }) });
    expect(unknown.immediate?.status).toBe(503);
  });

  it('routes a request without a body (GET /v1/models) to a healthy pod, with no lease', async () => {
    const r = await envoy.request({ path: '/v1/models', method: 'GET' });
    expect(pods.has(r.setHeaders['x-gateway-destination-endpoint'])).toBe(true);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.responseBody ?? '{}').data[0].id).toBe(E2E_MODEL);
  });

  it('moves the lease to the endpoint the gateway served from when it was not the first choice', async () => {
    const scheduler = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
    try {
      let picked = '';
      let served = '';
      let inFlight: Record<string, number> = {};
      await envoy.request({
        path: '/v1/completions',
        body: JSON.stringify({ model: E2E_MODEL, prompt: 'served elsewhere', max_tokens: 2000, stream: true, ignore_eos: true }),
        serveAt: (listed) => {
          picked = listed[0];
          served = listed.find((a) => a !== picked) ?? picked;
          return served;
        },
        whileStreaming: async () => {
          inFlight = Object.fromEntries((await scheduler.listEndpoints()).map((e) => [e.endpoint?.address ?? '', e.inFlight]));
        },
        abortAfterChunks: 2,
      });
      expect(served).not.toBe(picked);
      expect(inFlight).toEqual({ [served]: 1, [picked]: 0 });
      await until(async () => (await metricSum(ops, 'llmd_scheduler_in_flight_leases')) === 0);
    } finally {
      scheduler.close();
    }
  });

  it('releases the lease of a request whose client went away mid-stream', async () => {
    const gone = async () => Number((await fetch(`http://127.0.0.1:${ops}/metrics`).then((x) => x.text())).match(/^llmd_scheduler_ext_proc_responses_total\{status="499"[^}]*\} (\d+)/m)?.[1] ?? 0);
    const before = await gone();
    const r = await envoy.request({ path: '/v1/completions', body: JSON.stringify({ model: E2E_MODEL, prompt: 'a long one', max_tokens: 2000, stream: true, ignore_eos: true }), abortAfterChunks: 2 });
    expect(r.status).toBe(200);
    await until(async () => (await metricSum(ops, 'llmd_scheduler_in_flight_leases')) === 0);
    await until(async () => (await gone()) === before + 1);
  });

  it('decides 100 mixed requests as the scheduler\'s own Pick does: the destination is each decision\'s best-scored endpoint', async () => {
    const ids: string[] = [];
    const destinations: string[] = [];
    const prefixes = ['You are a helpful assistant. '.repeat(40), 'Summarise the following report. '.repeat(40), ''];
    for (let i = 0; i < 100; i++) {
      const requestId = `mixed-${i}`;
      const kind = i % 3;
      const body =
        kind === 0
          ? JSON.stringify({ model: E2E_MODEL, messages: [{ role: 'system', content: prefixes[i % 2] }, { role: 'user', content: `question ${i}` }], max_tokens: 4, stream: i % 2 === 0 })
          : kind === 1
            ? JSON.stringify({ model: E2E_MODEL, prompt: `${prefixes[(i + 1) % 3]}completion ${i}`, max_tokens: 4 })
            : JSON.stringify({ model: E2E_MODEL, prompt: Array.from({ length: 64 }, (_, t) => (t * 7 + i) % 1000), max_tokens: 4 });
      const r = await envoy.request({ path: kind === 0 ? '/v1/chat/completions' : '/v1/completions', body, headers: { 'x-request-id': requestId } });
      expect(r.status).toBe(200);
      ids.push(requestId);
      destinations.push(r.setHeaders['x-gateway-destination-endpoint'].split(',')[0]);
    }
    const decisions = (await fetch(`http://127.0.0.1:${ops}/debug/decisions`).then((x) => x.json())) as Decision[];
    const byId = new Map(decisions.map((d) => [d.requestId, d]));
    ids.forEach((id, i) => {
      const d = byId.get(id);
      expect(d?.target).toBe(pods.get(destinations[i]));
      const best = Math.max(...(d?.breakdown ?? []).map((b) => b.total));
      expect(d?.breakdown.find((b) => b.endpointId === d.target)?.total).toBe(best);
    });
    // Both pods served: the picks are the scheduler's, not a fixed choice.
    expect(new Set(destinations).size).toBe(2);
    await until(async () => (await metricSum(ops, 'llmd_scheduler_in_flight_leases')) === 0);
  });
});

describe('ext_proc endpoint picker with P/D and flow control', () => {
  let stack: LocalStack;
  let envoy: EnvoyExtProcClient;

  beforeAll(async () => {
    const [extProcPort] = await freePorts(1);
    stack = await startTestStack(3, {
      roles: ['prefill', 'decode', 'decode'],
      simArgs: ['--max-num-seqs', '1'],
      schedulerEnv: { LLMD_SCHEDULER_EXT_PROC_ENABLED: 'true', LLMD_SCHEDULER_EXT_PROC_PORT: String(extProcPort), LLMD_SCHEDULER_PROFILE: 'pd', LLMD_SCHEDULER_OBJECTIVES: '{"batch":-1}' },
    });
    envoy = new EnvoyExtProcClient(`127.0.0.1:${extProcPort}`);
  }, 120000);

  afterAll(async () => {
    envoy?.close();
    await stack?.stop();
  });

  it('names the prefill pod of a disaggregated pick in x-prefiller-host-port, and none for a short prompt', async () => {
    const [prefill, ...decode] = stack.options.ports.sims.map((p) => `127.0.0.1:${p}`);
    const long = await envoy.request({ path: '/v1/completions', body: JSON.stringify({ model: E2E_MODEL, prompt: 'a long document to summarise. '.repeat(120), max_tokens: 2 }), routeOnly: true });
    expect(decode).toContain(long.setHeaders['x-gateway-destination-endpoint'].split(',')[0]);
    expect(long.setHeaders['x-prefiller-host-port']).toBe(prefill);
    const short = await envoy.request({ path: '/v1/completions', body: JSON.stringify({ model: E2E_MODEL, prompt: 'short question', max_tokens: 2 }), routeOnly: true });
    expect(decode).toContain(short.setHeaders['x-gateway-destination-endpoint'].split(',')[0]);
    expect(short.setHeaders['x-prefiller-host-port']).toBeUndefined();
  });

  it('answers 429 with the reason when flow control sheds a sheddable objective', async () => {
    // Every pod runs one sequence at a time: long generations sent to them directly leave queues behind.
    const load = new AbortController();
    for (const port of stack.options.ports.sims) {
      for (let i = 0; i < 6; i++) {
        void fetch(`http://127.0.0.1:${port}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: E2E_MODEL, prompt: `load ${i}`, max_tokens: 20000, ignore_eos: true }), signal: load.signal }).catch(() => undefined);
      }
    }
    try {
      let shed: Awaited<ReturnType<EnvoyExtProcClient['request']>> | undefined;
      await until(async () => {
        shed = await envoy.request({ path: '/v1/completions', body: JSON.stringify({ model: E2E_MODEL, prompt: 'probe', max_tokens: 2 }), headers: { 'x-gateway-inference-objective': 'batch' }, routeOnly: true });
        return shed.immediate !== undefined;
      }, 30000);
      expect(shed?.immediate?.status).toBe(429);
      expect(shed?.immediate?.headers['x-llm-d-request-dropped-reason']).toBe('saturated-sheddable');
      expect(JSON.parse(shed?.immediate?.body ?? '{}').error.code).toBe('rate_limited');
    } finally {
      load.abort();
    }
  });
});
