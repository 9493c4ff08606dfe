// The gateway is a faithful proxy of vLLM: a long non-ASCII stream, cut by the pod inside multi-byte
// characters, arrives byte-identical through the gateway and direct from the pod (with and without
// usage); what vLLM accepts (n > 1, batched prompts, logprobs, a benchmark client's default requests)
// comes back with the pod's answer; /health answers on the API port; a client cannot inflate the
// metrics' model label or be charged for requests the gateway refused.
import OpenAI from 'openai';
import type { LocalStack } from '@llmd/cli';
import { requestMetricsCodec } from '@llmd/telemetry';
import { waitForRecord } from '../support/kafka-records';
import { E2E_MODEL, startTestStack } from '../support/test-stack';
import { until } from '../support/until';

const KEY = 'sk-fidelity-bench';
const BUDGET_KEY = 'sk-fidelity-budget';

/** Bytes of a body with what legitimately differs between two answers (ids, `created`) blanked out. */
const normalized = (b: Buffer) => b.toString('latin1').replace(/"id":"[^"]*"/g, '"id":""').replace(/"created":\d+/g, '"created":0');
const hasMultiByte = (b: Buffer) => b.some((x) => x >= 0x80);
const REPLACEMENT = Buffer.from('\uFFFD');

describe('gateway fidelity: what vLLM answers, the client gets', () => {
  let stack: LocalStack;
  const pod = () => `http://127.0.0.1:${stack.options.ports.sims[0]}`;
  const ops = () => `http://127.0.0.1:${stack.options.ports.gatewayOps}`;
  const post = (base: string, path: string, body: unknown, key: string | undefined = KEY) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });
  const raw = async (res: Response) => Buffer.from(await res.arrayBuffer());
  /** The same request direct to the pod and through the gateway: status and bytes of each. */
  const both = async (path: string, body: unknown) => {
    const direct = await post(pod(), path, body, undefined);
    const direct_ = { status: direct.status, bytes: await raw(direct) };
    const gateway = await post(stack.gatewayUrl, path, body);
    return { direct: direct_, gateway: { status: gateway.status, bytes: await raw(gateway) } };
  };
  const metricLines = async (name: string) => (await (await fetch(`${ops()}/metrics`)).text()).split('\n').filter((l) => l.startsWith(name));
  const metricSum = async (name: string, labels = '') => (await metricLines(name)).filter((l) => l.includes(labels)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const client = () => new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: KEY, maxRetries: 0 });

  beforeAll(async () => {
    stack = await startTestStack(1, {
      // Pieces of the model's real vocabulary (CJK, emoji, accented Latin), each SSE event written in
      // two socket writes cut inside a multi-byte character.
      simArgs: ['--output-text', 'multilingual', '--split-writes'],
      env: {
        LLMD_GATEWAY_AUTH_ENABLED: 'true',
        LLMD_GATEWAY_API_KEYS: JSON.stringify([
          { name: 'bench', key: KEY },
          { name: 'budget', key: BUDGET_KEY, requestsPerMinute: 2 },
        ]),
        LLMD_GATEWAY_PROMPT_LIMIT_TOKENS: '4000',
      },
    });
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers GET /health on the API port with 200 and an empty body, without a key', async () => {
    const res = await fetch(`${stack.gatewayUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  describe.each([
    ['chat', '/v1/chat/completions', { messages: [{ role: 'user', content: 'Écris-moi une longue histoire, s’il te plaît: 漢字 😀' }] }],
    ['completions', '/v1/completions', { prompt: 'Une longue histoire, avec des accents et 漢字 😀:' }],
  ])('a long non-ASCII %s stream', (_kind, path, prompt) => {
    it.each([
      ['without stream_options (the gateway removes the usage event it asked for)', {}, false],
      ['with include_usage', { stream_options: { include_usage: true } }, true],
      // vLLM (and vllm-sim) default include_usage to true here; the gateway leaves the choice to the pod.
      ['with stream_options but no include_usage', { stream_options: {} }, true],
    ])('arrives byte-identical through the gateway and direct from the pod, %s', async (_how, options, usage) => {
      const body = { model: E2E_MODEL, ...prompt, max_tokens: 400, ignore_eos: true, stream: true, ...options };
      // Once first, so both compared answers find the prompt's blocks cached alike.
      await raw(await post(pod(), path, body, undefined));
      const { direct, gateway } = await both(path, body);
      expect(direct.status).toBe(200);
      expect(gateway.status).toBe(200);
      expect(hasMultiByte(direct.bytes)).toBe(true);
      expect(gateway.bytes.includes(REPLACEMENT)).toBe(false);
      expect(normalized(gateway.bytes)).toBe(normalized(direct.bytes));
      expect(normalized(gateway.bytes).includes('"usage":{')).toBe(usage);
    });
  });

  describe('what a benchmark client sends with its default settings', () => {
    it('probes /health and /v1/models, as guidellm and vllm bench serve do', async () => {
      expect((await fetch(`${stack.gatewayUrl}/health`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
      const models = (await (await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual([E2E_MODEL]);
    });

    it.each([
      // vllm bench serve, openai-completions backend.
      ['vllm bench serve, completions', '/v1/completions', { model: E2E_MODEL, prompt: 'benchmark prompt 漢字', temperature: 0.0, repetition_penalty: 1.0, max_tokens: 32, logprobs: null, stream: true, stream_options: { include_usage: true }, ignore_eos: true }],
      // vllm bench serve, openai-chat backend (content as parts).
      ['vllm bench serve, chat', '/v1/chat/completions', { model: E2E_MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: 'benchmark prompt é' }] }], temperature: 0.0, max_completion_tokens: 32, stream: true, stream_options: { include_usage: true }, ignore_eos: true }],
      // guidellm, chat with continuous usage and both token limits.
      ['guidellm, chat', '/v1/chat/completions', { model: E2E_MODEL, messages: [{ role: 'user', content: 'benchmark prompt 😀' }], max_tokens: 32, max_completion_tokens: 32, ignore_eos: true, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } }],
      // guidellm, text completions.
      ['guidellm, completions', '/v1/completions', { model: E2E_MODEL, prompt: 'benchmark prompt', max_tokens: 32, ignore_eos: true, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } }],
      ['logprobs on completions', '/v1/completions', { model: E2E_MODEL, prompt: 'log probabilities', max_tokens: 8, logprobs: 2 }],
      ['logprobs and top_logprobs on chat', '/v1/chat/completions', { model: E2E_MODEL, messages: [{ role: 'user', content: 'log probabilities' }], max_tokens: 8, logprobs: true, top_logprobs: 2 }],
    ])('%s: the pod\'s answer, through the gateway', async (_name, path, body) => {
      await raw(await post(pod(), path, body, undefined));
      const { direct, gateway } = await both(path, body);
      expect(direct.status).toBe(200);
      expect(gateway.status).toBe(200);
      expect(normalized(gateway.bytes)).toBe(normalized(direct.bytes));
    });

    it('returns logprobs when asked, as vLLM does', async () => {
      const res = (await (await post(stack.gatewayUrl, '/v1/completions', { model: E2E_MODEL, prompt: 'log probabilities', max_tokens: 4, logprobs: 2 })).json()) as { choices: { logprobs: { tokens: string[]; top_logprobs: unknown[] } | null }[] };
      expect(res.choices[0].logprobs?.tokens).toHaveLength(4);
      expect(res.choices[0].logprobs?.top_logprobs).toHaveLength(4);
    });
  });

  it('serves n: 2 with the pod\'s two choices', async () => {
    const { data, response } = await client().chat.completions.create({ model: E2E_MODEL, messages: [{ role: 'user', content: 'two answers, please' }], max_tokens: 6, n: 2 }).withResponse();
    expect(data.choices.map((c) => c.index).sort()).toEqual([0, 1]);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-llmd-endpoint')).toBe('sim-0');
  });

  it('serves a batched completion prompt (text and token ids) with a choice per prompt', async () => {
    const text = await client().completions.create({ model: E2E_MODEL, prompt: ['first prompt', 'second prompt', 'third prompt'], max_tokens: 4 });
    expect(text.choices.map((c) => c.index).sort()).toEqual([0, 1, 2]);
    const ids = await client().completions.create({ model: E2E_MODEL, prompt: [[1, 2, 3], [4, 5, 6]], max_tokens: 4 });
    expect(ids.choices.map((c) => c.index).sort()).toEqual([0, 1]);
    const body = { model: E2E_MODEL, prompt: ['first prompt', 'second prompt'], max_tokens: 4 };
    const { direct, gateway } = await both('/v1/completions', body);
    expect(normalized(gateway.bytes)).toBe(normalized(direct.bytes));
  });

  it('labels a request for a model nobody serves `unknown`: a client cannot add metric series', async () => {
    const bogus = `no-such-model-${Math.random().toString(36).slice(2)}`;
    const before = await metricSum('llmd_gateway_requests_total', 'model="unknown",status="404"');
    const res = await post(stack.gatewayUrl, '/v1/chat/completions', { model: bogus, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(404);
    await until(async () => (await metricSum('llmd_gateway_requests_total', 'model="unknown",status="404"')) === before + 1);
    const all = (await (await fetch(`${ops()}/metrics`)).text()).split('\n');
    expect(all.some((l) => l.includes(bogus))).toBe(false);
  });

  it('charges a tenant\'s budget only for requests that pass validation and the model check', async () => {
    // requestsPerMinute 2: refused requests first, then two served ones; the third is over the limit.
    const refused = [
      await post(stack.gatewayUrl, '/v1/completions', { model: 'no-such-model', prompt: 'x', max_tokens: 1 }, BUDGET_KEY),
      await post(stack.gatewayUrl, '/v1/completions', { model: E2E_MODEL, prompt: { not: 'a prompt' }, max_tokens: 1 }, BUDGET_KEY),
      await post(stack.gatewayUrl, '/v1/completions', { model: E2E_MODEL, prompt: 'word '.repeat(20000), max_tokens: 1 }, BUDGET_KEY),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 400, 400]);
    const served = [await post(stack.gatewayUrl, '/v1/completions', { model: E2E_MODEL, prompt: 'x', max_tokens: 1 }, BUDGET_KEY), await post(stack.gatewayUrl, '/v1/completions', { model: E2E_MODEL, prompt: 'y', max_tokens: 1 }, BUDGET_KEY)];
    expect(served.map((r) => r.status)).toEqual([200, 200]);
    expect((await post(stack.gatewayUrl, '/v1/completions', { model: E2E_MODEL, prompt: 'z', max_tokens: 1 }, BUDGET_KEY)).status).toBe(429);
  });

  it('records no TTFT for a whole (non-streamed) response; a stream has one', async () => {
    const ttftCount = () => metricSum('llmd_gateway_ttft_seconds_count', `model="${E2E_MODEL}"`);
    const before = await ttftCount();
    const whole = await post(stack.gatewayUrl, '/v1/completions', { model: E2E_MODEL, prompt: 'no first token to time', max_tokens: 4 });
    expect(whole.status).toBe(200);
    const wholeRecord = await waitForRecord(process.env.LLMD_E2E_KAFKA!, requestMetricsCodec, (r) => r.requestId === whole.headers.get('x-request-id'));
    expect(wholeRecord.record).toMatchObject({ stream: false, ttftMs: 0, model: E2E_MODEL, httpStatus: 200 });
    expect(wholeRecord.record.e2eMs).toBeGreaterThan(0);
    expect(await ttftCount()).toBe(before);
    const streamed = await post(stack.gatewayUrl, '/v1/completions', { model: E2E_MODEL, prompt: 'a first token to time', max_tokens: 4, stream: true });
    await raw(streamed);
    const streamRecord = await waitForRecord(process.env.LLMD_E2E_KAFKA!, requestMetricsCodec, (r) => r.requestId === streamed.headers.get('x-request-id'));
    expect(streamRecord.record.ttftMs).toBeGreaterThan(0);
    expect(await ttftCount()).toBe(before + 1);
  });

  it('answers GET /health with 503 and an OpenAI error once no endpoint can serve', async () => {
    await stack.kill('sim-0', 'SIGKILL');
    await until(async () => (await fetch(`${stack.gatewayUrl}/health`)).status === 503, 15000);
    const res = await fetch(`${stack.gatewayUrl}/health`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_endpoint_available');
  });
});
