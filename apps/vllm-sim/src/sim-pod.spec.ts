// Two simulator pods in-process, on real sockets: the openai client, a raw ZMQ subscriber and replay
// client, and P/D between a prefill pod and a decode pod over real HTTP.
import { createServer } from 'node:net';
import { decode } from '@msgpack/msgpack';
import OpenAI from 'openai';
import pino from 'pino';
import { Dealer, Subscriber } from 'zeromq';
import type { FastifyInstance } from 'fastify';
import { createSimServer } from './http/sim-server';
import { parseSimArgs } from './sim-args';
import { createSimPod, SimPod } from './sim-pod';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Running {
  pod: SimPod;
  app: FastifyInstance;
  url: string;
}

async function startPod(flags: string[]): Promise<Running> {
  const port = await freePort();
  const pod = await createSimPod(parseSimArgs(['serve', 'sim-model', '--port', String(port), '--time-scale', '0.02', '--tokenizer', 'builtin:llama-3', ...flags]), pino({ level: 'silent' }));
  const app = createSimServer(pod);
  await app.listen({ host: '127.0.0.1', port });
  return { pod, app, url: `http://127.0.0.1:${port}` };
}

async function stopPod(r: Running | undefined): Promise<void> {
  if (!r) return;
  await r.app.close();
  await r.pod.close();
}

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
};

type Batch = { ts: number; events: Record<string, unknown>[]; data_parallel_rank: number };

describe('vllm-sim pods', () => {
  let prefill: Running;
  let decodePod: Running;
  let sub: Subscriber;
  const batches: { topic: string; seq: bigint; batch: Batch }[] = [];
  let replayPort: number;

  beforeAll(async () => {
    const [pub, replay] = [await freePort(), await freePort()];
    replayPort = replay;
    prefill = await startPod([
      '--kv-transfer-config', '{"kv_connector":"NixlConnector","kv_role":"kv_both"}',
      '--kv-events-config', JSON.stringify({ enable_kv_cache_events: true, publisher: 'zmq', endpoint: `tcp://127.0.0.1:${pub}`, replay_endpoint: `tcp://127.0.0.1:${replay}`, topic: 'kv@prefill@sim-model' }),
    ]);
    decodePod = await startPod(['--kv-transfer-config', '{"kv_connector":"NixlConnector","kv_role":"kv_consumer"}']);
    sub = new Subscriber();
    sub.connect(`tcp://127.0.0.1:${pub}`);
    sub.subscribe('kv@');
    void (async () => {
      for await (const [topic, seq, payload] of sub) batches.push({ topic: topic.toString(), seq: seq.readBigUInt64BE(), batch: decode(payload, { useBigInt64: true }) as Batch });
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200)); // let the subscription reach the publisher
  }, 30000);

  afterAll(async () => {
    sub?.close();
    await stopPod(prefill);
    await stopPod(decodePod);
  });

  const client = (r: Running) => new OpenAI({ baseURL: `${r.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const system = 'You are a careful assistant. '.repeat(40);

  it('answers chat in vLLM shape and reports the shared prefix as cached tokens', async () => {
    const ask = (q: string) => client(prefill).chat.completions.create({ model: 'sim-model', messages: [{ role: 'system', content: system }, { role: 'user', content: q }], max_tokens: 4 });
    const first = await ask('What is a KV cache?');
    const second = await ask('What is prefix caching?');
    expect(first.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(160);
    expect(cached % 16).toBe(0);
    expect(await metric(prefill.url, 'vllm:prefix_cache_hits_total')).toBe(cached);
  });

  it('is deterministic for a seed', async () => {
    const ask = () => client(prefill).completions.create({ model: 'sim-model', prompt: 'Once upon a time', max_tokens: 6, seed: 7, ignore_eos: true } as never);
    const [a, b] = [await ask(), await ask()] as unknown as OpenAI.Completion[];
    expect(a.choices[0].text).toBe(b.choices[0].text);
  });

  it('streams with the usage chunk', async () => {
    const stream = await client(prefill).chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'stream' }], max_tokens: 5, stream: true, stream_options: { include_usage: true }, ignore_eos: true } as never);
    let n = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      if (c.choices[0]?.delta?.content) n++;
      if (c.usage) usage = c.usage;
    }
    expect(n).toBe(5);
    expect(usage?.completion_tokens).toBe(5);
  });

  const weather: OpenAI.ChatCompletionTool = {
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location', 'unit'] } },
  };

  it('calls a named tool with arguments that fit its schema, as vLLM\'s guided decoding does', async () => {
    const res = await client(prefill).chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    const call = res.choices[0].message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(call.id).toMatch(/^chatcmpl-tool-/);
    const args = JSON.parse(call.function.arguments);
    expect(Object.keys(args).sort()).toEqual(['location', 'unit']);
    expect(args.unit).toBe('celsius');
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage?.completion_tokens).toBeGreaterThan(3);
  });

  it('streams a required tool call as argument deltas that add up to JSON', async () => {
    const stream = await client(prefill).chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'Weather?' }], tools: [weather], tool_choice: 'required', stream: true, stream_options: { include_usage: true } });
    let args = '';
    let name = '';
    let deltas = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) {
      const tc = c.choices[0]?.delta?.tool_calls?.[0];
      if (tc?.function?.name) name = tc.function.name;
      if (tc?.function?.arguments) {
        args += tc.function.arguments;
        deltas++;
      }
      if (c.usage) usage = c.usage;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ location: expect.any(String), unit: 'celsius' });
    expect(usage?.completion_tokens).toBe(deltas);
  });

  it('answers JSON for a json_schema response format', async () => {
    const res = await client(prefill).chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'A city as JSON' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object', properties: { name: { type: 'string' }, population: { type: 'integer', minimum: 1 } } } } },
    });
    expect(JSON.parse(res.choices[0].message.content ?? '')).toEqual({ name: expect.any(String), population: 1 });
  });

  it.each([
    ['"auto" without a tool parser', { tools: [weather] }, /"auto" tool choice requires --enable-auto-tool-choice/],
    ['a tool that was not passed', { tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } }, /Tool 'nope' has not been passed/],
    ['a tool choice without tools', { tool_choice: 'required' }, /`tools` must be set/],
  ])('refuses %s with 400, as vLLM does', async (_name, extra, message) => {
    const res = await fetch(`${prefill.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'x' }], ...extra }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  it('publishes decodable KV events whose block hashes chain', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(batches.length).toBeGreaterThan(0);
    expect(batches[0].topic).toBe('kv@prefill@sim-model');
    expect(batches.map((b) => Number(b.seq))).toEqual(batches.map((_, i) => i));
    const stored = batches.flatMap((b) => b.batch.events).filter((e) => e.type === 'BlockStored');
    expect(stored.length).toBeGreaterThan(1);
    for (const e of stored) expect(e).toMatchObject({ block_size: 16, medium: 'GPU' });
    const known = new Set<bigint>();
    let chained = 0;
    for (const e of stored) {
      const hashes = e.block_hashes as bigint[];
      expect((e.token_ids as number[]).length).toBe(hashes.length * 16);
      if (e.parent_block_hash !== null) {
        expect(known.has(e.parent_block_hash as bigint)).toBe(true);
        chained++;
      }
      for (const h of hashes) known.add(h);
    }
    expect(chained).toBeGreaterThan(0);
  });

  it('replays buffered batches from a sequence number, then -1', async () => {
    const dealer = new Dealer();
    dealer.connect(`tcp://127.0.0.1:${replayPort}`);
    const start = Buffer.alloc(8);
    start.writeBigUInt64BE(1n);
    await dealer.send(['', start]);
    const seqs: bigint[] = [];
    for (;;) {
      const [, seq, payload] = await dealer.receive();
      const n = seq.readBigInt64BE();
      seqs.push(n);
      if (n === -1n) {
        expect(payload.length).toBe(0);
        break;
      }
      expect((decode(payload, { useBigInt64: true }) as Batch).events.length).toBeGreaterThan(0);
    }
    dealer.close();
    expect(seqs[0]).toBe(1n);
    expect(seqs[seqs.length - 1]).toBe(-1n);
  });

  it('serves P/D: the prefill pod computes the prompt, the decode pod pulls the KV and never computes it', async () => {
    const prompt = 'Disaggregated serving splits prefill and decode. '.repeat(60);
    const computedBefore = (await metric(decodePod.url, 'llmd_sim_prefill_computed_tokens_total')) ?? 0;
    const p = (await (await fetch(`${prefill.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-model', prompt, max_tokens: 1, stream: false, kv_transfer_params: { do_remote_decode: true } }),
    })).json()) as { usage: { prompt_tokens: number }; kv_transfer_params: Record<string, unknown> };
    expect(p.kv_transfer_params).toMatchObject({ do_remote_prefill: true, do_remote_decode: false, remote_host: '127.0.0.1', tp_size: 1 });
    expect((p.kv_transfer_params.remote_block_ids as number[]).length).toBe(Math.ceil(p.usage.prompt_tokens / 16));
    expect(await metric(prefill.url, 'vllm:kv_cache_usage_perc')).toBeGreaterThan(0);

    const d = await client(decodePod).completions.create({ model: 'sim-model', prompt, max_tokens: 8, ignore_eos: true, kv_transfer_params: p.kv_transfer_params } as never) as unknown as OpenAI.Completion;
    expect(d.usage?.completion_tokens).toBe(8);
    expect(d.usage?.prompt_tokens_details?.cached_tokens).toBe(p.usage.prompt_tokens - 1);
    expect((await metric(decodePod.url, 'llmd_sim_prefill_computed_tokens_total'))! - computedBefore).toBe(1);
    expect(await metric(decodePod.url, 'llmd_sim_kv_transfer_tokens_total')).toBeGreaterThanOrEqual(p.usage.prompt_tokens);
    // The decode pod fetched the blocks, so the prefill pod released them.
    expect(await metric(prefill.url, 'vllm:kv_cache_usage_perc')).toBe(0);
  });

  it('recomputes the prompt when the KV is gone (and counts it)', async () => {
    const params = { do_remote_prefill: true, remote_host: '127.0.0.1', remote_port: Number(new URL(prefill.url).port), remote_request_id: 'cmpl-gone', remote_block_ids: [1, 2] };
    const d = await client(decodePod).completions.create({ model: 'sim-model', prompt: 'no such transfer', max_tokens: 2, kv_transfer_params: params } as never) as unknown as OpenAI.Completion;
    expect(d.usage?.completion_tokens).toBeGreaterThan(0);
    expect(await metric(decodePod.url, 'llmd_sim_kv_transfer_failures_total')).toBe(1);
  });

  it.each([
    ['an unknown model', { model: 'nope', prompt: 'x' }, 404, /does not exist/],
    ['a prompt over --max-model-len', { model: 'sim-model', prompt: 'word '.repeat(40000), max_tokens: 10 }, 400, /maximum context length is 32768 tokens/],
    ['kv_transfer_params of the wrong shape', { model: 'sim-model', prompt: 'x', kv_transfer_params: { do_remote_decode: 'yes' } }, 400, /kv_transfer_params/],
    ['a missing prompt', { model: 'sim-model' }, 400, /prompt/],
  ])('refuses %s as vLLM does', async (_name, body, status, message) => {
    const res = await fetch(`${prefill.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { message: string; code: number } };
    expect(json.error.message).toMatch(message);
    expect(json.error.code).toBe(status);
  });

  it('tokenizes with the Llama-3 tokenizer and its chat template', async () => {
    const res = (await (await fetch(`${prefill.url}/tokenize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'Hello world' }) })).json()) as { count: number; tokens: number[] };
    expect(res).toMatchObject({ count: 3, tokens: [128000, 9906, 1917] });
  });

  it('exposes vLLM metric names with the model_name label', async () => {
    const text = await (await fetch(`${prefill.url}/metrics`)).text();
    for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'vllm:prefix_cache_queries_total', 'vllm:prefix_cache_hits_total', 'vllm:num_preemptions_total', 'vllm:prompt_tokens_total', 'vllm:generation_tokens_total']) {
      expect(text).toMatch(new RegExp(`^${name}\\{model_name="sim-model"\\} `, 'm'));
    }
    for (const name of ['vllm:time_to_first_token_seconds', 'vllm:inter_token_latency_seconds', 'vllm:e2e_request_latency_seconds', 'vllm:request_queue_time_seconds']) {
      expect(text).toMatch(new RegExp(`^${name}_bucket\\{le="[^"]+",model_name="sim-model"\\} `, 'm'));
    }
    expect(text).toMatch(/^vllm:cache_config_info\{block_size="16",num_gpu_blocks="29205"\} 1/m);
  });
});

describe('vllm-sim options', () => {
  it('publishes the older positional encoding with --kv-events-format array', async () => {
    const pub = await freePort();
    const pod = await startPod(['--kv-events-format', 'array', '--kv-events-config', JSON.stringify({ enable_kv_cache_events: true, endpoint: `tcp://127.0.0.1:${pub}` })]);
    const sub = new Subscriber();
    sub.connect(`tcp://127.0.0.1:${pub}`);
    sub.subscribe();
    await new Promise((r) => setTimeout(r, 200));
    try {
      const got = (async () => {
        const [, , payload] = await sub.receive();
        return decode(payload, { useBigInt64: true }) as unknown[];
      })();
      await fetch(`${pod.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sim-model', prompt: 'a b c d e f g h i j k l m n o p q r s t', max_tokens: 1 }) });
      const batch = await got;
      expect(typeof batch[0]).toBe('number');
      const [event] = batch[1] as unknown[][];
      expect(event[0]).toBe('BlockStored');
      expect(event[4]).toBe(16);
      expect(event[6]).toBe('GPU');
    } finally {
      sub.close();
      await stopPod(pod);
    }
  });

  it('serves every request of a burst that arrives while the engine is busy (no request left behind)', async () => {
    // Requests arriving mid-step used to wait for a model clock that a busy engine never advanced.
    const pod = await startPod(['--max-num-seqs', '512']);
    try {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          Array.from({ length: 64 }, async (_, i) => {
            const res = await fetch(`${pod.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sim-model', prompt: `burst ${round} ${i}`, max_tokens: 16, stream: true, ignore_eos: true }), signal: AbortSignal.timeout(20000) });
            const text = await res.text();
            return res.status === 200 && text.endsWith('data: [DONE]\n\n');
          }),
        );
        expect(results.filter(Boolean).length).toBe(64);
      }
    } finally {
      await stopPod(pod);
    }
  });

  it('serves LoRA adapters and reports them in vllm:lora_requests_info', async () => {
    const pod = await startPod(['--enable-lora', '--lora-modules', 'sql-lora=/adapters/sql', '--max-loras', '2']);
    try {
      const models = (await (await fetch(`${pod.url}/v1/models`)).json()) as { data: { id: string; parent: string | null }[] };
      expect(models.data.map((m) => [m.id, m.parent])).toEqual([['sim-model', null], ['sql-lora', 'sim-model']]);
      const res = await fetch(`${pod.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sql-lora', prompt: 'SELECT', max_tokens: 2 }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { model: string }).model).toBe('sql-lora');
      expect(await (await fetch(`${pod.url}/metrics`)).text()).toMatch(/^vllm:lora_requests_info\{max_lora="2",running_lora_adapters="",waiting_lora_adapters=""\} /m);
    } finally {
      await stopPod(pod);
    }
  });
});
