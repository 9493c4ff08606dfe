// The gateway's P/D protocol and resilience against the real stack: disaggregated requests through a
// prefill pod and a decode pod, a failing prefill falling back to decode-only, the scheduler killed
// (fail-open), a pod killed mid-stream (an SSE error event, no hang), a client abort (the pod stops);
// tenants: keys, model allowlists, rate limits, and a key file rotated while the gateway runs.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { requestMetricsCodec } from '@llmd/telemetry';
import { waitForRecord } from '../support/kafka-records';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const longPrompt = 'A long document to summarise, paragraph after paragraph of careful prose. '.repeat(60);
const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
};

describe('gateway P/D with real prefill and decode pods', () => {
  let stack: LocalStack;
  let client: OpenAI;
  const pod = (i: number) => `http://127.0.0.1:${stack.options.ports.sims[i]}`;

  beforeAll(async () => {
    // A Pick deadline a busy 2-core machine meets on the stack's first request (cold tokenizers): these
    // tests are about P/D and failures, not the deadline, which fails open when missed.
    stack = await startTestStack(2, { roles: ['prefill', 'decode'], schedulerEnv: { LLMD_SCHEDULER_PROFILE: 'pd' }, env: { LLMD_GATEWAY_PICK_TIMEOUT_MS: '2000' } });
    client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves a long prompt in two steps: the prefill pod computes it, the decode pod only decodes', async () => {
    const decodeComputedBefore = await metric(pod(1), 'llmd_sim_prefill_computed_tokens_total');
    const { data: stream, response } = await client.chat.completions
      .create({ model: E2E_MODEL, messages: [{ role: 'user', content: longPrompt }], max_tokens: 8, stream: true, stream_options: { include_usage: true }, ignore_eos: true } as never)
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      text += c.choices[0]?.delta?.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(response.headers.get('x-llmd-prefill-endpoint')).toBe('sim-0');
    expect(response.headers.get('x-llmd-endpoint')).toBe('sim-1');
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(8);
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe((usage?.prompt_tokens ?? 0) - 1);
    // The decode pod computed one prompt token (the last), and pulled the rest from the prefill pod.
    expect((await metric(pod(1), 'llmd_sim_prefill_computed_tokens_total')) - decodeComputedBefore).toBe(1);
    expect(await metric(pod(1), 'llmd_sim_kv_transfer_tokens_total')).toBeGreaterThan(500);
    const { record } = await waitForRecord(process.env.LLMD_E2E_KAFKA!, requestMetricsCodec, (r) => r.requestId === response.headers.get('x-request-id'));
    expect(record).toMatchObject({ prefillEndpoint: 'sim-0', decodeEndpoint: 'sim-1', httpStatus: 200, stream: true });
  });

  it('serves a short prompt on the decode pod alone', async () => {
    const { response } = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'short' }], max_tokens: 2 }).withResponse();
    expect(response.headers.get('x-llmd-prefill-endpoint')).toBeNull();
    expect(response.headers.get('x-llmd-endpoint')).toBe('sim-1');
  });
});

describe('gateway resilience', () => {
  let stack: LocalStack;
  let client: OpenAI;

  beforeAll(async () => {
    // Pods without a KV connector refuse the prefill step: P/D must fall back to decode-only.
    stack = await startTestStack(3, { roles: ['prefill', 'decode', 'decode'], kvTransfer: false, schedulerEnv: { LLMD_SCHEDULER_PROFILE: 'pd' } });
    client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  const gatewayMetric = (name: string) => metric(`http://127.0.0.1:${stack.options.ports.gatewayOps}`, name);

  it('falls back to decode-only when the prefill step fails, and counts it', async () => {
    const before = await gatewayMetric('llmd_gateway_pd_fallbacks_total');
    const { data, response } = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: longPrompt }], max_tokens: 3 }).withResponse();
    expect(data.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(response.headers.get('x-llmd-prefill-endpoint')).toBeNull();
    expect(await gatewayMetric('llmd_gateway_pd_fallbacks_total')).toBe(before + 1);
  });

  it('aborts the pod\'s work when the client goes away', async () => {
    const controller = new AbortController();
    const res = await fetch(`${stack.gatewayUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, prompt: 'go on for a long time', max_tokens: 20000, ignore_eos: true, stream: true }),
      signal: controller.signal,
    });
    const podUrl = `http://127.0.0.1:${stack.options.ports.sims[Number(res.headers.get('x-llmd-endpoint')!.split('-')[1])]}`;
    const reader = res.body!.getReader();
    await reader.read();
    expect(await metric(podUrl, 'vllm:num_requests_running')).toBe(1);
    controller.abort();
    await until(async () => (await metric(podUrl, 'vllm:num_requests_running')) === 0, 5000);
  });

  it('ends a stream whose pod dies with an SSE error event, not a hang', async () => {
    const res = await fetch(`${stack.gatewayUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, prompt: 'a stream that will be cut', max_tokens: 20000, ignore_eos: true, stream: true }),
    });
    const victim = res.headers.get('x-llmd-endpoint')!;
    const reader = res.body!.getReader();
    await reader.read();
    await stack.kill(victim, 'SIGKILL');
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    expect(text).toMatch(/data: \{"error":\{"message":"The inference endpoint failed mid-stream/);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('keeps serving when the scheduler dies (fail-open), and says so', async () => {
    const before = await gatewayMetric('llmd_gateway_fail_open_total');
    await stack.kill('scheduler', 'SIGKILL');
    for (let i = 0; i < 5; i++) {
      const { data, response } = await client.chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: `still there ${i}?` }], max_tokens: 2 }).withResponse();
      expect(data.choices[0].message.content?.length).toBeGreaterThan(0);
      expect(response.headers.get('x-llmd-fail-open')).toBe('true');
    }
    expect(await gatewayMetric('llmd_gateway_fail_open_total')).toBe(before + 5);
  });
});

describe('gateway tenants', () => {
  let stack: LocalStack;
  const keys = [
    { name: 'team-a', key: 'sk-team-a-secret', requestsPerMinute: 3 },
    { name: 'team-b', key: 'sk-team-b-secret', models: ['some-other-model'] },
  ];
  const client = (apiKey: string) => new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey, maxRetries: 0 });
  // A mounted key file (as from a Kubernetes Secret), re-read every 200 ms; replaced atomically.
  const secretDir = mkdtempSync(join(tmpdir(), 'llmd-e2e-keys-'));
  const keysFile = join(secretDir, 'keys.yaml');
  const writeKeys = (key: string) => {
    writeFileSync(`${keysFile}.tmp`, `- name: team-c\n  key: ${key}\n`);
    renameSync(`${keysFile}.tmp`, keysFile);
  };

  beforeAll(async () => {
    writeKeys('sk-team-c-first');
    stack = await startTestStack(1, {
      env: { LLMD_GATEWAY_AUTH_ENABLED: 'true', LLMD_GATEWAY_API_KEYS: JSON.stringify(keys), LLMD_GATEWAY_API_KEYS_FILE: keysFile, LLMD_GATEWAY_API_KEYS_FILE_RELOAD_MS: '200' },
    });
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(secretDir, { recursive: true, force: true });
  });

  it('applies a rotated key file without a restart; inline keys keep working', async () => {
    const models = (key: string) => fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await models('sk-team-c-first')).toBe(200);
    writeKeys('sk-team-c-second');
    await until(async () => (await models('sk-team-c-second')) === 200);
    expect(await models('sk-team-c-first')).toBe(401);
    expect(await models('sk-team-a-secret')).toBe(200);
    for (const lines of stack.logs.values()) expect(lines.some((l) => l.includes('sk-team-c-'))).toBe(false);
  });

  it('refuses a missing or unknown key with 401', async () => {
    await expect(client('sk-nobody').chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const res = await fetch(`${stack.gatewayUrl}/v1/models`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('serves a tenant, records it, and keeps its key out of the logs', async () => {
    const { response } = await client('sk-team-a-secret').chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 2 }).withResponse();
    const { record } = await waitForRecord(process.env.LLMD_E2E_KAFKA!, requestMetricsCodec, (r) => r.requestId === response.headers.get('x-request-id'));
    expect(record.tenant).toBe('team-a');
    for (const lines of stack.logs.values()) expect(lines.some((l) => l.includes('sk-team-a-secret'))).toBe(false);
  });

  it('refuses a model the key may not use with 403, and lists only its models', async () => {
    await expect(client('sk-team-b-secret').chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((await client('sk-team-b-secret').models.list()).data).toEqual([]);
    expect((await client('sk-team-a-secret').models.list()).data.map((m) => m.id)).toEqual([E2E_MODEL]);
  });

  it('limits requests per minute with 429 and Retry-After', async () => {
    const post = () => fetch(`${stack.gatewayUrl}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-team-a-secret' }, body: JSON.stringify({ model: E2E_MODEL, prompt: 'x', max_tokens: 1 }) });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await post();
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses).toContain(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });
});

describe('gateway limits, timeouts and an empty fleet, with a real pod', () => {
  let stack: LocalStack;
  const post = (path: string, body: unknown) => fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; type: string; param: string | null; message: string } }).error;
  const pod = () => `http://127.0.0.1:${stack.options.ports.sims[0]}`;

  beforeAll(async () => {
    stack = await startTestStack(1, { env: { LLMD_GATEWAY_BODY_LIMIT_BYTES: '65536', LLMD_GATEWAY_PROMPT_LIMIT_TOKENS: '2000', LLMD_GATEWAY_UPSTREAM_TIMEOUT_MS: '1500', LLMD_GATEWAY_UPSTREAM_MAX_RESPONSE_BYTES: '2048' } });
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await post('/v1/completions', { model: E2E_MODEL, prompt: 'x'.repeat(70000), max_tokens: 1 });
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ code: 'payload_too_large', type: 'invalid_request_error' });
  });

  it('refuses a prompt over the length limit with 400, naming the field', async () => {
    const chat = await post('/v1/chat/completions', { model: E2E_MODEL, messages: [{ role: 'user', content: 'word '.repeat(2000) }], max_tokens: 1 });
    expect(chat.status).toBe(400);
    expect(await errorOf(chat)).toMatchObject({ code: 'context_length_exceeded', type: 'invalid_request_error', param: 'messages' });
    const tokens = await post('/v1/completions', { model: E2E_MODEL, prompt: Array.from({ length: 2001 }, (_, i) => i % 1000), max_tokens: 1 });
    expect(tokens.status).toBe(400);
    expect(await errorOf(tokens)).toMatchObject({ code: 'context_length_exceeded', param: 'prompt' });
    // Just under the limit it is served.
    expect((await post('/v1/completions', { model: E2E_MODEL, prompt: Array.from({ length: 2000 }, (_, i) => i % 1000), max_tokens: 1 })).status).toBe(200);
  });

  it('ends with 502 a non-streamed answer larger than upstream.maxResponseBytes, and serves smaller ones', async () => {
    const big = await post('/v1/completions', { model: E2E_MODEL, prompt: 'an answer too large to hold', max_tokens: 64, n: 16, ignore_eos: true });
    expect(big.status).toBe(502);
    expect(await errorOf(big)).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/upstream\.maxResponseBytes \(2048 bytes\)/) });
    expect((await post('/v1/completions', { model: E2E_MODEL, prompt: 'a small answer', max_tokens: 2 })).status).toBe(200);
  });

  it('answers 504 when the pod does not finish within the upstream timeout, and stops the pod\'s work', async () => {
    const res = await post('/v1/completions', { model: E2E_MODEL, prompt: 'a request that outlives the timeout', max_tokens: 20000, ignore_eos: true });
    expect(res.status).toBe(504);
    expect(await errorOf(res)).toMatchObject({ code: 'upstream_timeout' });
    await until(async () => (await metric(pod(), 'vllm:num_requests_running')) === 0, 5000);
  });

  it('ends a stream that outlives the upstream timeout with an SSE error event', async () => {
    const res = await post('/v1/completions', { model: E2E_MODEL, prompt: 'a stream that outlives the timeout', max_tokens: 20000, ignore_eos: true, stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^data: \{"id"/);
    expect(text).toMatch(/data: \{"error":\{"message":"[^"]*","type":"server_error","param":null,"code":"upstream_timeout"\}\}\n\ndata: \[DONE\]\n\n$/);
    await until(async () => (await metric(pod(), 'vllm:num_requests_running')) === 0, 5000);
  });

  it('ignores client routing headers: it only connects to endpoints the scheduler knows', async () => {
    // A server the client would like to be routed to; it must never see a connection.
    let hits = 0;
    const decoy = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(decoy.address() as AddressInfo).port}`;
    try {
      const res = await fetch(`${stack.gatewayUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gateway-destination-endpoint': target, 'x-prefiller-host-port': target, 'x-llmd-endpoint': target },
        body: JSON.stringify({ model: E2E_MODEL, prompt: 'route me wherever I say', max_tokens: 2 }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-llmd-endpoint')).toBe('sim-0');
      expect(res.headers.get('x-llmd-prefill-endpoint')).toBeNull();
      expect(hits).toBe(0);
    } finally {
      decoy.close();
    }
  });

  it('answers 503 when no pod can serve the model', async () => {
    await stack.kill('sim-0', 'SIGKILL');
    // The scheduler drops the pod once its scrapes fail; from then on it has no candidate, and flow
    // control does not hold the request (a 429 after the Pick deadline) when there is nothing to wait for.
    await until(async () => (await post('/v1/completions', { model: E2E_MODEL, prompt: 'anyone there?', max_tokens: 1 })).status === 503, 15000);
    const res = await post('/v1/completions', { model: E2E_MODEL, prompt: 'anyone there?', max_tokens: 1 });
    expect(res.status).toBe(503);
    expect(await errorOf(res)).toMatchObject({ code: 'no_endpoint_available' });
  });
});
