// The simulator's HTTP server: vLLM's OpenAI-compatible routes, /health, /tokenize and /metrics, plus
// the endpoint a decode pod pulls held KV from (P/D).
import Fastify, { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimPod } from '../sim-pod';
import { handleGenerate } from './generate.handler';
import { KV_PULL_PATH } from './kv-transfer';
import { messageContent } from './message-content';
import { vllmError } from './responses';

const tokenizeSchema = z.union([
  z.object({ model: z.string().optional(), prompt: z.string(), add_special_tokens: z.boolean().optional() }),
  z.object({ model: z.string().optional(), messages: z.array(z.object({ role: z.string(), content: z.unknown() })).min(1) }),
]);

export function createSimServer(pod: SimPod): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  const created = Math.floor(Date.now() / 1000);
  const model_name = pod.modelNames[0];

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) pod.logger.error({ err: err.message }, 'request failed');
    void reply.code(status).send(vllmError(status, err.message, status === 400 ? 'BadRequestError' : 'InternalServerError'));
  });

  app.get('/health', async (_req, reply) => reply.code(200).send());
  app.get('/v1/models', async () => ({
    object: 'list',
    data: [
      ...pod.modelNames.map((id) => ({ id, object: 'model', created, owned_by: 'vllm', root: pod.args.model, parent: null, max_model_len: pod.args.maxModelLen, permission: [] })),
      ...pod.args.loraModules.map((m) => ({ id: m.name, object: 'model', created, owned_by: 'vllm', root: m.path, parent: pod.modelNames[0], max_model_len: pod.args.maxModelLen, permission: [] })),
    ],
  }));
  app.get('/metrics', async (_req, reply) => {
    const core = pod.driver.core;
    pod.metrics.running.set({ model_name }, core.numRunning);
    pod.metrics.waiting.set({ model_name }, core.numWaiting);
    pod.metrics.kvUsage.set({ model_name }, core.kvUsage);
    if (pod.args.enableLora) {
      const l = core.loras();
      pod.metrics.setLoraInfo(pod.args.maxLoras, l.running, l.waiting);
    }
    return reply.header('content-type', pod.metrics.registry.contentType).send(await pod.metrics.registry.metrics());
  });
  app.post('/tokenize', async (req, reply) => {
    const parsed = tokenizeSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(vllmError(400, 'prompt or messages is required', 'BadRequestError'));
    const b = parsed.data;
    const tokens = 'prompt' in b
      ? b.add_special_tokens === false ? await pod.tokenizer.encodeRaw(b.prompt) : await pod.tokenizer.encodePrompt(b.prompt)
      : await pod.tokenizer.encodeChat(b.messages.map((m) => ({ role: m.role, content: messageContent(m.content) })));
    return { count: tokens.length, max_model_len: pod.args.maxModelLen, tokens };
  });
  // vLLM's POST /reset_prefix_cache: 200 when reset, 400 while requests hold blocks.
  app.post('/reset_prefix_cache', async (_req, reply) =>
    pod.driver.resetPrefixCache() ? reply.code(200).send() : reply.code(400).send(vllmError(400, 'Failed to reset prefix cache: requests are running', 'BadRequestError')),
  );
  app.post('/v1/chat/completions', (req, reply) => handleGenerate(pod, 'chat', req, reply));
  app.post('/v1/completions', (req, reply) => handleGenerate(pod, 'completion', req, reply));

  // P/D: a decode pod fetches the blocks this (prefill) pod holds for a request; they are released here.
  app.post(KV_PULL_PATH, async (req, reply) => {
    const id = (req.body as { remote_request_id?: unknown } | undefined)?.remote_request_id;
    if (typeof id !== 'string') return reply.code(400).send(vllmError(400, 'remote_request_id is required', 'BadRequestError', 'remote_request_id'));
    const released = pod.driver.core.releaseHeld(id);
    if (!released) return reply.code(404).send(vllmError(404, `no KV held for ${id}`, 'NotFoundError', 'remote_request_id'));
    return { tokens: released.tokens, blocks: released.blocks, bytes: released.tokens * pod.profile.kv_bytes_per_token };
  });

  return app;
}
