// POST /v1/completions and /v1/chat/completions: validated as vLLM validates, tokenized with the
// model's tokenizer, each prompt's n choices run as engine sequences (P/D roles included), answered
// in vLLM's shapes, streamed or whole.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { extractFromHeaders, traceIdOf } from '@llmd/platform';
import { hashIds } from '@llmd/sim-engine';
import type { SimPod } from '../sim-pod';
import { runChoice, type ChoiceSpec } from './choice-runner';
import { KvTransferParams, kvTransferParamsSchema, pullKv, transferMs } from './kv-transfer';
import { fullResponse, Kind, streamChunk, usage, usageChunk, vllmError } from './responses';
import { SseWriter } from './sse-writer';
import { ForcedOutput, forcedOutput, StructuredOutputError } from './structured-output';
import { parseChatRequest, parseCompletionRequest, VllmValidationError, type ChatParams, type CompletionParams } from './vllm-request';

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

/** A prompt ready to run: its ids and what echo repeats of it. */
interface Prompt {
  ids: number[];
  echo: string;
}

export async function handleGenerate(pod: SimPod, kind: Kind, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const traceId = traceIdOf(extractFromHeaders(req.headers));
  let params: CompletionParams | ChatParams;
  let model: string;
  let prompts: Prompt[];
  let kvParams: KvTransferParams | undefined;
  let forced: ForcedOutput | undefined;
  try {
    const limits = { maxLogprobs: pod.args.maxLogprobs, vocabSize: pod.tokenizer.vocabSize };
    params = kind === 'chat' ? parseChatRequest(req.body, limits) : parseCompletionRequest(req.body, limits);
    model = params.model ?? pod.modelNames[0];
    if (!pod.modelNames.includes(model) && !pod.loraNames.includes(model)) throw new SimRequestError(404, `The model \`${model}\` does not exist.`, 'NotFoundError', 'model');
    prompts = await tokenize(pod, params);
    if (params.kvTransferParams != null) {
      const parsed = kvTransferParamsSchema.safeParse(params.kvTransferParams);
      if (!parsed.success) throw new SimRequestError(400, `Invalid kv_transfer_params: ${parsed.error.issues[0].message}`, 'BadRequestError', 'kv_transfer_params');
      kvParams = parsed.data;
    }
    checkLengths(pod, params, prompts);
    forced = forcedOutput(kind, req.body as Record<string, unknown>, hashIds(prompts[0].ids, params.seed ?? pod.args.seed));
  } catch (err) {
    if (err instanceof VllmValidationError || err instanceof StructuredOutputError) return void reply.code(400).send(vllmError(400, err.message, 'BadRequestError', err.param));
    if (err instanceof SimRequestError) return void reply.code(err.status).send(vllmError(err.status, err.message, err.type, err.param));
    throw err;
  }

  const role = pod.args.kvTransferConfig?.kv_role;
  const remoteDecode = kvParams?.do_remote_decode === true;
  const remotePrefill = kvParams?.do_remote_prefill === true;
  if ((remoteDecode || remotePrefill) && !role) {
    return void reply.code(400).send(vllmError(400, 'kv_transfer_params need a pod started with --kv-transfer-config', 'BadRequestError', 'kv_transfer_params'));
  }
  const choices = prompts.length * params.n;
  if ((remoteDecode || remotePrefill) && choices > 1) {
    return void reply.code(400).send(vllmError(400, 'kv_transfer_params take a single prompt with n=1', 'BadRequestError', 'kv_transfer_params'));
  }

  const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
  const forcedPieces = forced ? await pod.tokenizer.tokenPieces(forced.text) : undefined;
  const toolCall = forced?.kind === 'tool' ? { id: `chatcmpl-tool-${randomUUID().replace(/-/g, '')}`, name: forced.name } : undefined;
  const created = Math.floor(Date.now() / 1000);

  // Decode side of P/D: pull the prompt's KV from the prefill pod before scheduling.
  let remoteTokens = 0;
  let pullMs = 0;
  if (remotePrefill && kvParams) {
    const pulled = await pullKv(kvParams).catch(() => undefined);
    if (pulled) {
      remoteTokens = Math.min(pulled.tokens, prompts[0].ids.length);
      pullMs = transferMs(remoteTokens, pod.profile.kv_bytes_per_token, pod.linkGbps);
      pod.metrics.kvTransferTokens.inc({ model_name: pod.modelNames[0] }, remoteTokens);
    } else {
      pod.metrics.kvTransferFailures.inc({ model_name: pod.modelNames[0] });
      pod.logger.warn({ request_id: id, remote: `${kvParams.remote_host}:${kvParams.remote_port}` }, 'KV pull failed; recomputing the prompt');
    }
  }
  const promptTokens = prompts.reduce((s, p) => s + p.ids.length, 0);
  pod.logger.info({ request_id: id, trace_id: traceId || undefined, model, prompts: prompts.length, n: params.n, prompt_tokens: promptTokens, max_tokens: params.maxTokens, stream: params.stream, remote_decode: remoteDecode || undefined, remote_prefill: remotePrefill || undefined }, 'request');

  const sse = params.stream ? new SseWriter(reply.raw, pod.args.splitWrites) : undefined;
  if (sse) {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  }
  const candidates = [...new Set(pod.phrases.flat().map((t) => t.id))];
  const seed = params.seed ?? pod.args.seed;
  const lastMessage = 'messages' in params ? params.messages[params.messages.length - 1] : undefined;
  const specs: ChoiceSpec[] = prompts.flatMap((p, pi) =>
    Array.from({ length: params.n }, (_, c) => {
      const index = pi * params.n + c;
      const choiceSeed = (hashIds(p.ids, seed) ^ Math.imul(index, 0x9e3779b1)) >>> 0;
      return {
        engineId: choices === 1 ? id : `${id}-${index}`,
        index,
        promptIds: p.ids,
        maxTokens: params.maxTokens ?? Math.max(1, pod.args.maxModelLen - p.ids.length),
        minTokens: params.minTokens,
        seed: choiceSeed,
        ignoreEos: params.ignoreEos,
        stop: params.stop,
        lora: pod.loraNames.includes(model) ? model : undefined,
        forced: forcedPieces,
        toolCall,
        // vLLM's chat echo repeats the last message when it is the assistant's own.
        echoText: !params.echo ? undefined : kind === 'chat' ? (lastMessage?.role === 'assistant' ? lastMessage.content : undefined) : p.echo,
        echoIds: params.echo && kind === 'completion' ? p.ids : undefined,
        logprobs: params.logprobs,
        holdForRemoteDecode: remoteDecode,
        remoteComputedTokens: remoteTokens > 0 ? remoteTokens : undefined,
        transferMs: pullMs > 0 ? pullMs : undefined,
      };
    }),
  );
  const target = { kind, id, model, created, sse };
  const running = specs.map((s) => runChoice(pod, s, target, candidates));
  // The client went away: stop generating at once, as vLLM aborts the request.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) for (const s of specs) pod.driver.abort(s.engineId);
  });
  // Each choice's finishing chunk goes out as it finishes.
  const results = await Promise.all(
    running.map(async (r) => {
      const done = await r;
      if (sse && done.result.reason !== 'abort') sse.send(streamChunk(kind, id, model, created, { index: done.out.index, text: null, finish: done.result.reason, first: false, logprobs: null }));
      return done;
    }),
  );
  if (results.some((r) => r.result.reason === 'abort')) {
    if (sse) await sse.end();
    return;
  }
  const first = results[0].result;
  const u = usage(
    promptTokens,
    results.reduce((s, r) => s + r.result.generated, 0),
    results.filter((_, i) => i % params.n === 0).reduce((s, r) => s + r.result.cachedTokens, 0),
  );
  const kvOut = first.heldBlocks
    ? { do_remote_prefill: true, do_remote_decode: false, remote_engine_id: pod.engineId, remote_block_ids: first.heldBlocks, remote_host: pod.advertisedHost, remote_port: pod.port, remote_request_id: id, tp_size: 1 }
    : null;
  if (sse) {
    if (kvOut) sse.send({ ...streamChunk(kind, id, model, created, { index: 0, text: null, finish: first.reason, first: false, logprobs: null }), kv_transfer_params: kvOut });
    if (params.includeUsage) sse.send(usageChunk(kind, id, model, created, u));
    sse.send('[DONE]');
    await sse.end();
    return;
  }
  await reply.send({ ...fullResponse(kind, id, model, created, results.map((r) => r.out), u), kv_transfer_params: kvOut });
}

async function tokenize(pod: SimPod, params: CompletionParams | ChatParams): Promise<Prompt[]> {
  if ('messages' in params) {
    if (!pod.tokenizer.hasChatTemplate) throw new SimRequestError(400, 'As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one.', 'BadRequestError');
    return [{ ids: await pod.tokenizer.encodeChat(params.messages), echo: '' }];
  }
  return Promise.all(
    params.prompts.map(async (p) => {
      if ('text' in p) return { ids: params.addSpecialTokens ? await pod.tokenizer.encodePrompt(p.text) : await pod.tokenizer.encodeRaw(p.text), echo: p.text };
      if (p.ids.some((t) => t < 0 || t >= pod.tokenizer.vocabSize)) throw new SimRequestError(400, `Token id ${p.ids.find((t) => t < 0 || t >= pod.tokenizer.vocabSize)} is out of vocabulary`, 'BadRequestError', 'prompt');
      return { ids: p.ids, echo: Buffer.concat(p.ids.map((t) => pod.tokenizer.tokenBytes(t))).toString('utf8') };
    }),
  );
}

/** vLLM's length checks: a prompt and its completion must fit the model's context. */
function checkLengths(pod: SimPod, params: CompletionParams | ChatParams, prompts: readonly Prompt[]): void {
  const maxLen = pod.args.maxModelLen;
  for (const p of prompts) {
    if (p.ids.length === 0) throw new SimRequestError(400, 'The decoder prompt cannot be empty', 'BadRequestError', 'prompt');
    const maxTokens = params.maxTokens ?? Math.max(1, maxLen - p.ids.length);
    if (p.ids.length + maxTokens > maxLen) {
      const msg = `This model's maximum context length is ${maxLen} tokens. However, you requested ${p.ids.length + maxTokens} tokens (${p.ids.length} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`;
      throw new SimRequestError(400, msg, 'BadRequestError', 'input_tokens');
    }
  }
}
