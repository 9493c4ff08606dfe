// The OpenAI request schemas, and what the gateway reads off a parsed body, fed arbitrary JSON: a body
// is either accepted and every reader copes with it, or refused with a 400 OpenAI error naming a field.
import { ApiError, chatCompletionRequestSchema, completionRequestSchema, disaggregable, embeddingRequestSchema, estimateTokens, maxTokensOf, parseRequest, routingMessages, routingPrompt, tokenizeRequestSchema, withStreamUsage } from '@llmd/openai';
import { forAll, Gen, thrownBy } from '@llmd/platform/testing';
import { schedulerv1 } from '@llmd/proto';
import { prefillBody } from './prefill-step';
import { promptTokensOf } from './prompt-length';

const SCHEMAS = { chat: chatCompletionRequestSchema, completions: completionRequestSchema, embeddings: embeddingRequestSchema, tokenize: tokenizeRequestSchema };
const FIELDS = ['model', 'messages', 'prompt', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'n', 'best_of', 'input', 'role', 'content', 'type', 'text', 'include_usage', 'prompt_embeds', '__proto__', 'constructor'];

/** Any value JSON.parse can return (what Fastify hands the route), biased toward the API's field names. */
function json(g: Gen, depth = 4): unknown {
  if (depth <= 0 || g.bool(0.35)) return g.pick<() => unknown>([() => null, () => g.bool(), () => g.int(-3, 3), () => g.pick([1e308, -0.5, 2 ** 53, 2 ** 32, 0.1, -7]), () => g.string(), () => ''])();
  if (g.bool(0.4)) return g.array(5, (x) => json(x, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = g.size(6); i > 0; i--) o[g.bool(0.8) ? g.pick(FIELDS) : g.string(5)] = json(g, depth - 1);
  return o;
}

/** A valid request with one field replaced by anything: gets past the first checks. */
function nearlyValid(g: Gen): unknown {
  const base: Record<string, unknown> = g.pick([
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true, stream_options: { include_usage: false }, n: 2 },
    { model: 'm', prompt: [[1, 2, 3], [4]], max_tokens: 5 },
    { model: 'm', prompt: [7, 8], max_tokens: 2 ** 40 },
    { model: 'm', prompt: ['a', 'b'], stream: true },
    { model: 'm', input: ['a'] },
  ]);
  const out = structuredClone(base);
  out[g.pick(FIELDS)] = json(g, 3);
  return out;
}

/** A body as the client's bytes would come through JSON.parse (own `__proto__` keys included). */
const body = (g: Gen) => JSON.parse(JSON.stringify(g.bool() ? json(g) : nearlyValid(g)) ?? 'null') as unknown;

describe('request parsing on arbitrary JSON', () => {
  it.each(Object.entries(SCHEMAS))('%s: accepted, or refused with a 400 OpenAI error that names what is wrong', (_name, schema) => {
    forAll(body, (input) => {
      const err = thrownBy(() => parseRequest(schema, input));
      if (err === undefined) return;
      expect(err).toBeInstanceOf(ApiError);
      const api = err as ApiError;
      expect(api.status).toBe(400);
      expect(api.toBody().error.message.length).toBeGreaterThan(0);
    });
  });

  it.each([
    ['chat', chatCompletionRequestSchema],
    ['completions', completionRequestSchema],
    ['embeddings', embeddingRequestSchema],
    ['tokenize', tokenizeRequestSchema],
  ])('%s: every reader of an accepted body copes with it, and its Pick encodes', (_name, schema) => {
    forAll(body, (input) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = parseRequest(schema, input) as Record<string, unknown>;
      } catch {
        return;
      }
      const shaped = parsed as Parameters<typeof routingPrompt>[0] & { stream?: boolean | null; messages?: { role: string; content: unknown }[] };
      const tokens = promptTokensOf(shaped);
      expect(Number.isFinite(tokens)).toBe(true);
      // Infinity (n = 1e308) is fine for the token bucket, which caps a request at its capacity; NaN is not.
      expect(Number.isNaN(estimateTokens(shaped, tokens))).toBe(false);
      // What the scheduler's Pick carries encodes: a body that did not would fail the request open.
      schedulerv1.PickRequest.encode(schedulerv1.PickRequest.fromPartial({ requestId: 'r', model: String(parsed.model), ...routingPrompt(shaped), messages: routingMessages(shaped), maxTokens: maxTokensOf(shaped) }));
      disaggregable(shaped);
      withStreamUsage(shaped);
      prefillBody(parsed);
    });
  });
});
