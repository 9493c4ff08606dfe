// vLLM's request surface over real sockets: n choices, batched prompts, echo, logprobs, and the
// validation errors in vLLM's body shape.
import OpenAI from 'openai';
import { postJson, postStream, startPod, type RunningPod } from './testing/running-pod';

type Choice = { index: number; text: string; finish_reason: string; logprobs: { tokens: string[]; token_logprobs: (number | null)[]; top_logprobs: (Record<string, number> | null)[]; text_offset: number[] } | null };
type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };

const metric = async (url: string, name: string) => {
  const line = (await (await fetch(`${url}/metrics`)).text()).split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

describe('vllm-sim request surface', () => {
  let pod: RunningPod;
  let url: string;
  const model = 'e2e/llama-3.2-1b';

  beforeAll(async () => {
    pod = await startPod(model, ['--max-logprobs', '5']);
    url = pod.url;
  }, 60000);
  afterAll(async () => pod?.close());

  it('answers n choices, indexed, as n engine sequences that share the prompt\'s cached blocks, usage over all of them', async () => {
    const prompt = 'The shared prefix of every choice. '.repeat(20);
    const ask = () => postJson(`${url}/v1/completions`, { model, prompt, n: 3, max_tokens: 5, ignore_eos: true });
    const queriesBefore = await metric(url, 'vllm:prefix_cache_queries_total');
    const { status, json } = await ask();
    expect(status).toBe(200);
    const choices = json.choices as Choice[];
    expect(choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(choices.map((c) => c.text)).size).toBeGreaterThan(1); // sampled, not copies
    const u = json.usage as Usage;
    expect(u.completion_tokens).toBe(15);
    expect(u.prompt_tokens).toBeGreaterThan(100);
    expect(u.total_tokens).toBe(u.prompt_tokens + 15);
    // Three sequences looked the prompt up; asked again, all three hit its blocks.
    expect((await metric(url, 'vllm:prefix_cache_queries_total')) - queriesBefore).toBe(3 * u.prompt_tokens);
    const hitsBefore = await metric(url, 'vllm:prefix_cache_hits_total');
    await ask();
    expect((await metric(url, 'vllm:prefix_cache_hits_total')) - hitsBefore).toBe(3 * 16 * Math.floor((u.prompt_tokens - 1) / 16));
  });

  it('answers a batch of prompts (text and token ids) prompt-major, n per prompt', async () => {
    for (const prompt of [['first prompt', 'second prompt'], [[9906, 1917], [1820, 1646, 13]]]) {
      const { json } = await postJson(`${url}/v1/completions`, { model, prompt, n: 2, max_tokens: 3, ignore_eos: true });
      expect((json.choices as Choice[]).map((c) => c.index)).toEqual([0, 1, 2, 3]);
      expect((json.usage as Usage).completion_tokens).toBe(12);
    }
    const ids = await postJson(`${url}/v1/completions`, { model, prompt: [[9906, 1917], [1820, 1646, 13]], max_tokens: 1 });
    expect((ids.json.usage as Usage).prompt_tokens).toBe(5);
  });

  it('streams n choices with their index, each finishing once, usage counting all', async () => {
    const { events } = await postStream(`${url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }], n: 2, max_tokens: 4, ignore_eos: true, stream_options: { include_usage: true } });
    const chunks = events.filter((e) => e !== '[DONE]') as { choices: { index: number; delta: { role?: string }; finish_reason: string | null }[]; usage?: Usage }[];
    for (const index of [0, 1]) {
      const mine = chunks.filter((c) => c.choices[0]?.index === index);
      expect(mine[0].choices[0].delta.role).toBe('assistant');
      expect(mine.filter((c) => c.choices[0].finish_reason !== null).map((c) => c.choices[0].finish_reason)).toEqual(['length']);
    }
    expect(chunks[chunks.length - 1].usage?.completion_tokens).toBe(8);
  });

  it('echoes the prompt, with the prompt tokens\' logprobs (the first null) before the output\'s', async () => {
    const { json } = await postJson(`${url}/v1/completions`, { model, prompt: 'Hello world', echo: true, logprobs: 2, max_tokens: 3, ignore_eos: true });
    const [c] = json.choices as Choice[];
    expect(c.text.startsWith('Hello world')).toBe(true);
    expect(c.logprobs?.tokens.slice(0, 3)).toEqual(['<|begin_of_text|>', 'Hello', ' world']);
    expect(c.logprobs?.token_logprobs[0]).toBeNull();
    expect(c.logprobs?.tokens).toHaveLength(6);
  });

  it('returns completions logprobs: k alternatives with the sampled token, values <= 0, offsets into the text', async () => {
    const { json } = await postJson(`${url}/v1/completions`, { model, prompt: 'Once', logprobs: 3, max_tokens: 6, ignore_eos: true, seed: 1 });
    const [c] = json.choices as Choice[];
    const lp = c.logprobs as NonNullable<Choice['logprobs']>;
    expect(lp.tokens.join('')).toBe(c.text);
    expect(lp.text_offset[0]).toBe(0);
    lp.tokens.forEach((t, i) => {
      expect(lp.token_logprobs[i]).toBeLessThanOrEqual(0);
      expect(lp.top_logprobs[i]?.[t]).toBe(lp.token_logprobs[i]);
      expect(Object.keys(lp.top_logprobs[i] ?? {}).length).toBeLessThanOrEqual(3);
      if (i > 0) expect(lp.text_offset[i]).toBe(lp.text_offset[i - 1] + lp.tokens[i - 1].length);
    });
    const again = await postJson(`${url}/v1/completions`, { model, prompt: 'Once', logprobs: 3, max_tokens: 6, ignore_eos: true, seed: 1 });
    expect((again.json.choices as Choice[])[0].logprobs).toEqual(lp);
  });

  it('returns chat logprobs through the openai client, streamed and whole', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const req = { model, messages: [{ role: 'user' as const, content: 'hi' }], logprobs: true, top_logprobs: 4, max_tokens: 5, seed: 2, ignore_eos: true };
    const whole = await client.chat.completions.create(req as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const content = whole.choices[0].logprobs?.content ?? [];
    expect(content.map((e) => e.token).join('')).toBe(whole.choices[0].message.content);
    for (const e of content) {
      expect(e.top_logprobs).toHaveLength(4);
      expect(e.top_logprobs.map((t) => t.token)).toContain(e.token);
      expect(e.bytes).toEqual([...Buffer.from(e.token)]);
    }
    const streamed: OpenAI.ChatCompletionTokenLogprob[] = [];
    for await (const c of await client.chat.completions.create({ ...req, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming)) streamed.push(...(c.choices[0]?.logprobs?.content ?? []));
    expect(streamed).toEqual(content);
  });

  it.each<[string, string, Record<string, unknown>, number, string, string | null]>([
    ['logprobs above --max-logprobs', '/v1/completions', { prompt: 'x', logprobs: 6 }, 400, 'Requested sample logprobs of 6, which is greater than max allowed: 5', 'logprobs'],
    ['top_logprobs above --max-logprobs', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], logprobs: true, top_logprobs: 6 }, 400, 'Requested sample logprobs of 6, which is greater than max allowed: 5', 'logprobs'],
    ['top_logprobs without logprobs', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], top_logprobs: 2 }, 400, 'when using `top_logprobs`, `logprobs` must be set to true.', 'top_logprobs'],
    ['n = 0', '/v1/completions', { prompt: 'x', n: 0 }, 400, 'n must be at least 1, got 0.', 'n'],
    ['a token id outside the vocabulary', '/v1/completions', { prompt: [1, 128256] }, 400, 'Token id 128256 is out of vocabulary', 'prompt'],
    ['stream_options without stream', '/v1/completions', { prompt: 'x', stream_options: { include_usage: true } }, 400, 'Stream options can only be defined when `stream=True`.', 'stream_options'],
    ['an unknown model (after the request is valid)', '/v1/completions', { prompt: 'x', model: 'nope' }, 404, 'The model `nope` does not exist.', 'model'],
  ])('refuses %s in vLLM\'s error shape', async (_name, path, body, status, message, param) => {
    const res = await postJson(`${url}${path}`, { model, ...body });
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ error: { message, type: status === 404 ? 'NotFoundError' : 'BadRequestError', param, code: status } });
  });
});
