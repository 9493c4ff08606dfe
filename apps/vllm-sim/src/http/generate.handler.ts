// POST /v1/completions and /v1/chat/completions: tokenize as vLLM does, run the request through the
// engine (P/D roles included), and answer in vLLM's shapes, streamed or whole.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, chatCompletionRequestSchema, completionRequestSchema, messageText, parseRequest } from '@llmd/openai';
import { extractFromHeaders, traceIdOf } from '@llmd/platform';
import { PhraseGenerator, hashIds, type FinishedOutput } from '@llmd/sim-engine';
import type { SimPod } from '../sim-pod';
import { KvTransferParams, kvTransferParamsSchema, pullKv, transferMs } from './kv-transfer';
import { fullResponse, Kind, streamChunk, toolCallChunk, usage, usageChunk, vllmError } from './responses';
import { SseWriter } from './sse-writer';
import { ForcedOutput, forcedOutput, StructuredOutputError } from './structured-output';

type Body = {
  model: string;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  ignore_eos?: boolean;
  kv_transfer_params?: unknown;
  messages?: { role: string; content: unknown }[];
  prompt?: unknown;
};

class SimRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export async function handleGenerate(pod: SimPod, kind: Kind, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const traceId = traceIdOf(extractFromHeaders(req.headers));
  let body: Body;
  let promptIds: number[];
  let kvParams: KvTransferParams | undefined;
  try {
    body = parseRequest(kind === 'chat' ? chatCompletionRequestSchema : completionRequestSchema, req.body) as Body;
    const known = pod.modelNames.includes(body.model) || pod.loraNames.includes(body.model);
    if (!known) throw new SimRequestError(404, `The model \`${body.model}\` does not exist.`, 'NotFoundError', 'model');
    promptIds = await tokenize(pod, kind, body);
    if (body.kv_transfer_params != null) {
      const parsed = kvTransferParamsSchema.safeParse(body.kv_transfer_params);
      if (!parsed.success) throw new SimRequestError(400, `Invalid kv_transfer_params: ${parsed.error.issues[0].message}`, 'BadRequestError', 'kv_transfer_params');
      kvParams = parsed.data;
    }
  } catch (err) {
    if (err instanceof ApiError) return void reply.code(400).send(vllmError(400, err.message, 'BadRequestError', err.param));
    if (err instanceof SimRequestError) return void reply.code(err.status).send(vllmError(err.status, err.message, err.type, err.param));
    throw err;
  }

  const maxLen = pod.args.maxModelLen;
  const requested = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const maxTokens = requested ?? Math.max(1, maxLen - promptIds.length);
  if (promptIds.length + maxTokens > maxLen) {
    const msg = `This model's maximum context length is ${maxLen} tokens. However, you requested ${promptIds.length + maxTokens} tokens (${promptIds.length} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`;
    return void reply.code(400).send(vllmError(400, msg, 'BadRequestError', 'input_tokens'));
  }
  const role = pod.args.kvTransferConfig?.kv_role;
  const remoteDecode = kvParams?.do_remote_decode === true;
  const remotePrefill = kvParams?.do_remote_prefill === true;
  if ((remoteDecode || remotePrefill) && !role) {
    return void reply.code(400).send(vllmError(400, 'kv_transfer_params need a pod started with --kv-transfer-config', 'BadRequestError', 'kv_transfer_params'));
  }

  const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
  const seed = body.seed ?? pod.args.seed;
  const promptHash = hashIds(promptIds, seed);
  // Guided decoding (a named or required tool choice, a JSON response format): the output is fixed.
  let forced: ForcedOutput | undefined;
  let forcedPieces: { id: number; text: string }[] = [];
  try {
    forced = forcedOutput(kind, req.body as Record<string, unknown>, promptHash);
    if (forced) forcedPieces = await pod.tokenizer.tokenPieces(forced.text);
  } catch (err) {
    if (err instanceof StructuredOutputError) return void reply.code(400).send(vllmError(400, err.message, 'BadRequestError', err.param));
    throw err;
  }
  const toolCall = forced?.kind === 'tool' ? { id: `chatcmpl-tool-${randomUUID().replace(/-/g, '')}`, name: forced.name } : undefined;
  const model = body.model;
  const created = Math.floor(Date.now() / 1000);
  const stream = body.stream === true;
  const includeUsage = body.stream_options?.include_usage === true;

  // Decode side of P/D: pull the prompt's KV from the prefill pod before scheduling.
  let remoteTokens = 0;
  let pullMs = 0;
  if (remotePrefill && kvParams) {
    const pulled = await pullKv(kvParams).catch(() => undefined);
    if (pulled) {
      remoteTokens = Math.min(pulled.tokens, promptIds.length);
      pullMs = transferMs(remoteTokens, pod.profile.kv_bytes_per_token, pod.linkGbps);
      pod.metrics.kvTransferTokens.inc({ model_name: pod.modelNames[0] }, remoteTokens);
    } else {
      pod.metrics.kvTransferFailures.inc({ model_name: pod.modelNames[0] });
      pod.logger.warn({ request_id: id, remote: `${kvParams.remote_host}:${kvParams.remote_port}` }, 'KV pull failed; recomputing the prompt');
    }
  }
  pod.logger.info({ request_id: id, trace_id: traceId || undefined, model, prompt_tokens: promptIds.length, max_tokens: maxTokens, stream, remote_decode: remoteDecode || undefined, remote_prefill: remotePrefill || undefined }, 'request');

  let text = '';
  let generated = 0;
  let lastTokenAt = 0;
  const arrival = pod.driver.now();
  const model_name = pod.modelNames[0];
  const sse = new SseWriter(reply.raw, pod.args.splitWrites);
  if (stream) {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  }
  const finished = new Promise<FinishedOutput>((resolve) => {
    pod.driver.submit(
      {
        id,
        promptTokenIds: promptIds,
        maxTokens: remoteDecode ? 1 : maxTokens,
        // Guided output ends (EOS) where its JSON does.
        ignoreEos: forced ? false : body.ignore_eos === true,
        eosAfter: forced ? Math.max(1, forcedPieces.length) : 16 + (promptHash % 240),
        stop: body.stop == null ? [] : Array.isArray(body.stop) ? body.stop : [body.stop],
        lora: pod.loraNames.includes(model) ? model : undefined,
        tokens: forced ? piecesSource(forcedPieces, pod.tokenizer.eosTokenId) : new PhraseGenerator(pod.phrases, promptHash),
        holdForRemoteDecode: remoteDecode,
        remoteComputedTokens: remoteTokens > 0 ? remoteTokens : undefined,
        transferMs: pullMs > 0 ? pullMs : undefined,
      },
      {
        onToken: (t) => {
          const now = pod.driver.now();
          if (generated > 0) pod.metrics.itl.observe({ model_name }, (now - lastTokenAt) / 1000);
          lastTokenAt = now;
          text += t;
          generated++;
          if (stream && !reply.raw.destroyed) {
            const chunk = toolCall ? toolCallChunk(id, model, created, toolCall, t, generated === 1) : streamChunk(kind, id, model, created, t, null, generated === 1);
            sse.send(chunk);
          }
        },
        onFinish: resolve,
      },
    );
  });
  // The client went away: stop generating at once, as vLLM aborts the request.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) pod.driver.abort(id);
  });

  const result = await finished;
  pod.metrics.e2e.observe({ model_name }, (pod.driver.now() - arrival) / 1000);
  if (result.reason === 'abort') {
    if (stream) await sse.end();
    return;
  }
  const u = usage(result.promptTokens, result.generated, result.cachedTokens);
  const kvOut = result.heldBlocks
    ? { do_remote_prefill: true, do_remote_decode: false, remote_engine_id: pod.engineId, remote_block_ids: result.heldBlocks, remote_host: pod.advertisedHost, remote_port: pod.port, remote_request_id: id, tp_size: 1 }
    : null;
  if (stream) {
    sse.send({ ...streamChunk(kind, id, model, created, null, result.reason, false), ...(kvOut ? { kv_transfer_params: kvOut } : {}) });
    if (includeUsage) sse.send(usageChunk(kind, id, model, created, u));
    sse.send('[DONE]');
    await sse.end();
    return;
  }
  await reply.send({ ...fullResponse(kind, id, model, created, text, result.reason, u, toolCall && { ...toolCall, arguments: text }), kv_transfer_params: kvOut });
}

async function tokenize(pod: SimPod, kind: Kind, body: Body): Promise<number[]> {
  if (kind === 'chat') {
    return pod.tokenizer.encodeChat((body.messages ?? []).map((m) => ({ role: m.role, content: messageText(m.content as never) })));
  }
  const p = body.prompt;
  if (typeof p === 'string') return pod.tokenizer.encodePrompt(p);
  if (Array.isArray(p) && typeof p[0] === 'string') return pod.tokenizer.encodePrompt(p[0] as string);
  const ids = p as number[];
  if (ids.some((t) => t >= pod.tokenizer.vocabSize)) throw new SimRequestError(400, 'Token id out of vocabulary range.', 'BadRequestError', 'prompt');
  return ids;
}

/** The fixed output of guided decoding, token by token (past its end, nothing more to say). */
function piecesSource(pieces: readonly { id: number; text: string }[], eosTokenId: number): { next(): { id: number; text: string } } {
  let i = 0;
  return { next: () => pieces[i++] ?? { id: eosTokenId, text: '' } };
}
