// The request's whole way through real parts: the openai client -> gateway -> Scheduler.Pick (gRPC)
// -> a vllm-sim pod -> tokens back; telemetry on a real Kafka broker; W3C trace context end to end.
import OpenAI from 'openai';
import { endpointLoadCodec, requestMetricsCodec } from '@llmd/telemetry';
import type { LocalStack } from '@llmd/cli';
import { waitForRecord } from '../support/kafka-records';
import { E2E_MODEL, startTestStack } from '../support/test-stack';

const bootstrap = () => process.env.LLMD_E2E_KAFKA!;

describe('walking skeleton', () => {
  let stack: LocalStack;
  let client: OpenAI;
  // The suite shares one broker: records of earlier stacks' pods (same ids) are older than this.
  let startedAt = 0;

  beforeAll(async () => {
    startedAt = Date.now();
    stack = await startTestStack(2);
    client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves a non-streaming chat completion and records it on llmd.request-metrics.v1', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'Name three colours.' }], max_tokens: 6 })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe(E2E_MODEL);
    expect(data.choices[0].message.role).toBe('assistant');
    expect(data.choices[0].message.content?.trim().split(' ').length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeLessThanOrEqual(6);
    const requestId = response.headers.get('x-request-id')!;
    const endpoint = response.headers.get('x-llmd-endpoint');
    expect(['sim-0', 'sim-1']).toContain(endpoint);

    const { record, key, headers } = await waitForRecord(bootstrap(), requestMetricsCodec, (r) => r.requestId === requestId);
    expect(key).toBe(endpoint);
    expect(headers).toEqual({ 'content-type': 'application/x-protobuf', 'message-type': 'llmd.telemetry.v1.RequestMetrics' });
    expect(record).toMatchObject({
      model: E2E_MODEL,
      httpStatus: 200,
      stream: false,
      failOpen: false,
      decodeEndpoint: endpoint,
      promptTokens: data.usage?.prompt_tokens,
      completionTokens: data.usage?.completion_tokens,
      endpointPath: '/v1/chat/completions',
    });
    expect(record.e2eMs).toBeGreaterThan(0);
  });

  it('streams a chat completion token by token with the usage chunk', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'Count to ten.' }], max_tokens: 12, stream: true, stream_options: { include_usage: true }, ignore_eos: true } as never)
      .withResponse();
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      if (chunk.choices[0]?.delta?.content) deltas.push(chunk.choices[0].delta.content);
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toHaveLength(12);
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(12);

    const requestId = response.headers.get('x-request-id')!;
    const { record } = await waitForRecord(bootstrap(), requestMetricsCodec, (r) => r.requestId === requestId);
    expect(record).toMatchObject({ stream: true, httpStatus: 200, completionTokens: 12, promptTokens: usage?.prompt_tokens });
    expect(record.ttftMs).toBeGreaterThan(0);
    expect(record.itlMs).toBeGreaterThan(0);
  });

  it('records real token counts for a stream whose client did not ask for usage, without showing it the usage chunk', async () => {
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: E2E_MODEL, messages: [{ role: 'user', content: 'Count to five.' }], max_tokens: 5, stream: true, ignore_eos: true }),
    });
    const text = await res.text();
    expect(text).not.toMatch(/"usage"/);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const { record } = await waitForRecord(bootstrap(), requestMetricsCodec, (r) => r.requestId === res.headers.get('x-request-id'));
    expect(record.completionTokens).toBe(5);
    expect(record.promptTokens).toBeGreaterThan(5);
  });

  it('passes tools, tool_choice and response_format through untouched, streamed or not', async () => {
    // The pod answers a named tool choice with a call under guided decoding: only a request that
    // reached it with its tools intact can come back with one.
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'lookup_order', parameters: { type: 'object', properties: { order_id: { type: 'string' }, express: { type: 'boolean' } }, required: ['order_id'] } } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Where is my order?' }];
    const res = await client.chat.completions.create({ model: E2E_MODEL, messages, tools, tool_choice: { type: 'function', function: { name: 'lookup_order' } } });
    const call = res.choices[0].message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('lookup_order');
    expect(JSON.parse(call.function.arguments)).toEqual({ order_id: expect.any(String), express: true });

    // The tool's answer goes back in a `tool` message that refers to the call.
    const followUp = await client.chat.completions.create({
      model: E2E_MODEL,
      messages: [...messages, res.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"status":"shipped"}' }],
      response_format: { type: 'json_schema', json_schema: { name: 'reply', schema: { type: 'object', properties: { status: { type: 'string' } } } } },
    });
    expect(JSON.parse(followUp.choices[0].message.content ?? '')).toEqual({ status: expect.any(String) });

    const { data: stream, response } = await client.chat.completions.create({ model: E2E_MODEL, messages, tools, tool_choice: 'required', stream: true }).withResponse();
    let args = '';
    for await (const chunk of stream) args += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    expect(JSON.parse(args)).toMatchObject({ order_id: expect.any(String) });
    const { record } = await waitForRecord(bootstrap(), requestMetricsCodec, (r) => r.requestId === response.headers.get('x-request-id'));
    expect(record.ttftMs).toBeGreaterThan(0);
    expect(record.completionTokens).toBeGreaterThan(3);
  });

  it('serves /v1/completions and lists the model', async () => {
    const completion = await client.completions.create({ model: E2E_MODEL, prompt: 'The capital of France is', max_tokens: 3, ignore_eos: true } as never);
    expect((completion as unknown as OpenAI.Completion).choices[0].text.length).toBeGreaterThan(0);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([E2E_MODEL]);
  });

  it('passes /tokenize and /v1/embeddings through to a pod', async () => {
    const post = (path: string, body: unknown) => fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const tok = await post('/tokenize', { model: E2E_MODEL, prompt: 'Hello world' });
    expect(tok.status).toBe(200);
    expect(await tok.json()).toMatchObject({ count: 3, tokens: [128000, 9906, 1917] });
    // A generation pod does not serve embeddings: its answer comes back, in OpenAI's shape.
    const emb = await post('/v1/embeddings', { model: E2E_MODEL, input: 'hello' });
    expect(emb.status).toBe(404);
    expect(((await emb.json()) as { error: { message: string } }).error.message).toMatch(/not found/i);
    const bad = await post('/v1/embeddings', { model: E2E_MODEL });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('input');
  });

  it('carries W3C trace context from the client through gateway, scheduler and pod', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const { response } = await client.chat.completions
      .create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'trace me' }], max_tokens: 2 }, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;
    const { record } = await waitForRecord(bootstrap(), requestMetricsCodec, (r) => r.requestId === requestId);
    expect(record.traceId).toBe(traceId);
    const logged = (service: string) => (stack.logs.get(service) ?? []).some((l) => l.includes(traceId));
    expect(logged('scheduler')).toBe(true);
    expect(logged(record.decodeEndpoint)).toBe(true);
  });

  it('publishes llmd.endpoint-load.v1 snapshots for every pod', async () => {
    for (const pod of ['sim-0', 'sim-1']) {
      const { record, key } = await waitForRecord(bootstrap(), endpointLoadCodec, (r) => r.endpointId === pod && r.healthy && r.timestampUnixMs >= startedAt);
      expect(key).toBe(pod);
      expect(record).toMatchObject({ model: E2E_MODEL, role: 'both' });
    }
  });

  describe('bad requests get OpenAI-shaped errors', () => {
    const post = (body: string) => fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    it.each([
      ['malformed JSON', '{"model": "x", "messages": [', 400, { code: 'invalid_json', type: 'invalid_request_error' }],
      ['missing messages', JSON.stringify({ model: E2E_MODEL }), 400, { code: 'invalid_request', param: 'messages' }],
      ['a message without a role', JSON.stringify({ model: E2E_MODEL, messages: [{ content: 'hi' }] }), 400, { param: 'messages.0.role' }],
      ['an unknown model', JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }), 404, { code: 'model_not_found', param: 'model' }],
    ])('%s', async (_name, body, status, error) => {
      const res = await post(body);
      expect(res.status).toBe(status);
      const json = (await res.json()) as { error: Record<string, unknown> };
      expect(json.error).toMatchObject(error);
      expect(typeof json.error.message).toBe('string');
    });

    it('the openai client surfaces them as its typed errors', async () => {
      await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      await expect(client.chat.completions.create({ model: E2E_MODEL, messages: [] })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    });

    it('a prompt longer than the pod allows comes back as the pod said (400)', async () => {
      const res = await post(JSON.stringify({ model: E2E_MODEL, messages: [{ role: 'user', content: 'word '.repeat(40000) }], max_tokens: 10 }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/maximum context length/);
    });
  });

  it('every service reports liveness, readiness and Prometheus metrics', async () => {
    const { ports } = stack.options;
    for (const port of [ports.gatewayOps, ports.schedulerOps, ports.cacheManagerOps, ports.autoscalerOps, ports.operatorOps]) {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^process_cpu_seconds_total/m);
    }
    const gw = await (await fetch(`http://127.0.0.1:${ports.gatewayOps}/metrics`)).text();
    expect(gw).toMatch(/llmd_gateway_requests_total\{model="e2e\/llama-3.2-1b",status="200",path="\/v1\/chat\/completions",service="gateway"\} \d+/);
    const pod = await (await fetch(`http://127.0.0.1:${ports.sims[0]}/metrics`)).text();
    expect(pod).toMatch(/^vllm:num_requests_running\{model_name="e2e\/llama-3.2-1b"\} \d+/m);
  });
});
