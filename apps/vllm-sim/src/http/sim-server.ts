// The simulator's HTTP server: vLLM's OpenAI-compatible routes, /health, /tokenize and /metrics.
import { randomUUID } from 'node:crypto';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, chatCompletionRequestSchema, completionRequestSchema, messageText, parseRequest } from '@llmd/openai';
import { extractFromHeaders, traceIdOf } from '@llmd/platform';
import type { Engine } from '../engine/engine';
import { applyLlama3ChatTemplate, countTokens } from '../engine/approx-tokenizer';
import type { FinishReason } from '../engine/sequence';
import { hashString, TextGenerator } from '../engine/text-generator';
import type { SimMetrics } from '../sim-metrics';
import { fullResponse, Kind, streamChunk, usage, usageChunk, vllmError } from './responses';

export interface SimServerOptions {
  engine: Engine;
  metrics: SimMetrics;
  logger: Logger;
  /** Names the pod answers to (--served-model-name, else the model path). */
  modelNames: string[];
  maxModelLen: number;
  seed: number;
}

export function createSimServer(o: SimServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  const created = Math.floor(Date.now() / 1000);

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    void reply.code(status).send(vllmError(status, err.message, status === 400 ? 'BadRequestError' : 'InternalServerError'));
  });

  app.get('/health', async (_req, reply) => reply.code(200).send());
  app.get('/v1/models', async () => ({
    object: 'list',
    data: o.modelNames.map((id) => ({ id, object: 'model', created, owned_by: 'vllm', root: o.modelNames[0], parent: null, max_model_len: o.maxModelLen, permission: [] })),
  }));
  app.get('/metrics', async (_req, reply) => {
    const model_name = o.modelNames[0];
    o.metrics.running.set({ model_name }, o.engine.running.length);
    o.metrics.waiting.set({ model_name }, o.engine.waiting.length);
    o.metrics.kvUsage.set({ model_name }, o.engine.kvUsage);
    return reply.header('content-type', o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
  });
  app.post('/tokenize', async (req, reply) => {
    const body = (req.body ?? {}) as { prompt?: string; messages?: { role: string; content: unknown }[] };
    const text = body.messages ? applyLlama3ChatTemplate(body.messages.map((m) => ({ role: m.role, content: messageText(m.content as never) }))) : body.prompt;
    if (typeof text !== 'string') return reply.code(400).send(vllmError(400, 'prompt or messages is required', 'BadRequestError'));
    const pieces = text.match(/[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]|\s+(?=\s)/g) ?? [];
    return { count: pieces.length, max_model_len: o.maxModelLen, tokens: pieces.map((p) => hashString(p) % 128256) };
  });
  app.post('/v1/chat/completions', (req, reply) => handleGenerate('chat', req, reply));
  app.post('/v1/completions', (req, reply) => handleGenerate('completion', req, reply));

  async function handleGenerate(kind: Kind, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const traceId = traceIdOf(extractFromHeaders(req.headers));
    let body;
    let prompt: string;
    try {
      if (kind === 'chat') {
        body = parseRequest(chatCompletionRequestSchema, req.body);
        prompt = applyLlama3ChatTemplate(body.messages.map((m) => ({ role: m.role, content: messageText(m.content) })));
      } else {
        body = parseRequest(completionRequestSchema, req.body);
        const p = body.prompt;
        prompt = typeof p === 'string' ? p : typeof p[0] === 'string' ? (p[0] as string) : (p as number[]).map(String).join(' ');
      }
    } catch (err) {
      if (err instanceof ApiError) return void reply.code(400).send(vllmError(400, err.message, 'BadRequestError', err.param));
      throw err;
    }
    if (!o.modelNames.includes(body.model)) {
      return void reply.code(404).send(vllmError(404, `The model \`${body.model}\` does not exist.`, 'NotFoundError', 'model'));
    }
    const promptTokens = kind === 'completion' && Array.isArray(body.prompt) && typeof body.prompt[0] === 'number' ? body.prompt.length : countTokens(prompt);
    const requested = (body as { max_completion_tokens?: number | null }).max_completion_tokens ?? body.max_tokens;
    const maxTokens = requested ?? o.maxModelLen - promptTokens;
    if (promptTokens + maxTokens > o.maxModelLen) {
      const msg = `This model's maximum context length is ${o.maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`;
      return void reply.code(400).send(vllmError(400, msg, 'BadRequestError', 'input_tokens'));
    }
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
    const stop = body.stop == null ? [] : Array.isArray(body.stop) ? body.stop : [body.stop];
    const generator = new TextGenerator(body.seed ?? o.seed, prompt);
    const includeUsage = body.stream_options?.include_usage === true;
    const ts = Math.floor(Date.now() / 1000);
    o.logger.info({ request_id: id, trace_id: traceId || undefined, model: body.model, prompt_tokens: promptTokens, max_tokens: maxTokens, stream: !!body.stream }, 'request');

    let text = '';
    let generated = 0;
    const done = new Promise<FinishReason>((resolve) => {
      o.engine.add({
        id,
        promptTokens,
        maxTokens,
        stop,
        ignoreEos: (body as { ignore_eos?: boolean }).ignore_eos === true,
        // A deterministic natural answer length (16-255 tokens) for this prompt and seed.
        eosAfter: 16 + (hashString(prompt, body.seed ?? o.seed) % 240),
        nextToken: () => generator.next(),
        arrivedAt: 0,
        generated: 0,
        text: '',
        blocks: 0,
        prefilled: false,
        cancelled: false,
        listener: {
          onToken: (t) => {
            text += t;
            generated++;
            if (body.stream && !reply.raw.destroyed) {
              reply.raw.write(`data: ${JSON.stringify(streamChunk(kind, id, body.model, ts, t, null, generated === 1))}\n\n`);
            }
          },
          onFinish: resolve,
        },
      });
    });
    // The client went away: stop generating at once, as vLLM aborts the request.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) o.engine.cancel(id);
    });

    if (body.stream) {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const reason = await done;
      if (reason === 'abort') return void reply.raw.end();
      reply.raw.write(`data: ${JSON.stringify(streamChunk(kind, id, body.model, ts, null, reason, false))}\n\n`);
      if (includeUsage) reply.raw.write(`data: ${JSON.stringify(usageChunk(kind, id, body.model, ts, usage(promptTokens, generated, 0)))}\n\n`);
      reply.raw.end('data: [DONE]\n\n');
      return;
    }
    const reason = await done;
    if (reason === 'abort') return;
    await reply.send(fullResponse(kind, id, body.model, ts, text, reason, usage(promptTokens, generated, 0)));
  }

  return app;
}
