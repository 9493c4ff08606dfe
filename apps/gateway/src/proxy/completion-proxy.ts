// The request path for /v1/chat/completions and /v1/completions: validate, pick (scheduler, or the
// gateway's own fail-open pick), forward to the vLLM pod, stream the bytes back, record the outcome.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, Context, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { ApiError, chatCompletionRequestSchema, completionRequestSchema, disaggregable, embeddingRequestSchema, estimateTokens, isOpenAIErrorBody, maxTokensOf, parseRequest, routingMessages, routingPrompt, SseRelay, tokenizeRequestSchema, usageFrom, withStreamUsage } from '@llmd/openai';
import { extractFromHeaders, injectIntoHeaders, traceIdOf } from '@llmd/platform';
import type { RequestMetricsRecord } from '@llmd/telemetry';
import type { GatewayConfig } from '../config';
import { CompletionHandler, CompletionPath, sendApiError } from '../http/api-server';
import { withJsonBody } from '../http/request-body';
import { failOpenRanking, servesModel } from '../routing/fail-open';
import type { RouteEndpoint, RoutePick } from '../routing/routing-types';
import type { PickInput, SchedulerClient } from '../scheduler/scheduler-client';
import type { RequestRecorder } from '../telemetry/request-recorder';
import type { Tenant, TenantRegistry } from '../tenants/tenant-registry';
import { promptTokensOf } from './prompt-length';
import { runPrefill } from './prefill-step';
import { readAll, UpstreamCall } from './upstream';

export type { CompletionPath } from '../http/api-server';

const SCHEMAS = {
  '/v1/chat/completions': chatCompletionRequestSchema,
  '/v1/completions': completionRequestSchema,
  '/v1/embeddings': embeddingRequestSchema,
  '/tokenize': tokenizeRequestSchema,
} as const;

/** Paths that generate (and may be disaggregated); the others pass through to one pod. */
const GENERATES = new Set<CompletionPath>(['/v1/chat/completions', '/v1/completions']);

type ParsedBody = { model: string; stream?: boolean | null; stream_options?: { include_usage?: boolean | null; continuous_usage_stats?: boolean | null } | null; max_tokens?: number | null; max_completion_tokens?: number | null; n?: number | null; best_of?: number | null; messages?: { role: string; content: unknown }[]; prompt?: unknown };

const tracer = trace.getTracer('llmd-gateway');

/**
 * Runs one phase of a request in its own span (a child of `ctx`): an error marks the span; `finish`
 * adds what the phase learned before the span ends.
 */
async function phase<T>(name: string, kind: SpanKind, ctx: Context, run: (span: Span, spanCtx: Context) => Promise<T>, finish?: (span: Span) => void): Promise<T> {
  const span = tracer.startSpan(name, { kind }, ctx);
  const spanCtx = trace.setSpan(ctx, span);
  try {
    return await context.with(spanCtx, () => run(span, spanCtx));
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    finish?.(span);
    span.end();
  }
}

/** A request header the scheduler uses (session, objective, fairness id), bounded so it cannot bloat state. */
function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.slice(0, 128) : '';
}

/** The client went away, or the request passed its upstream deadline: what ends its upstream call. */
class RequestEnd {
  /** Set once the client closed its connection before the response ended. */
  clientGone = false;
  /** Set once upstream.timeoutMs passed. */
  timedOut = false;
  /** The call in progress, aborted when the request ends early. */
  call?: UpstreamCall;
  private signalController?: AbortController;
  private readonly timer: NodeJS.Timeout;

  constructor(res: ServerResponse, timeoutMs: number) {
    res.on('close', () => {
      if (res.writableFinished) return;
      this.clientGone = true;
      this.end(new Error('client disconnected'));
    });
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.end(Object.assign(new Error(`the upstream deadline (${timeoutMs} ms) passed`), { name: 'TimeoutError' }));
    }, timeoutMs);
  }

  get ended(): boolean {
    return this.clientGone || this.timedOut;
  }

  /** An AbortSignal of the same end, for the prefill step (made only for a disaggregated request). */
  signal(): AbortSignal {
    this.signalController ??= new AbortController();
    if (this.ended && !this.signalController.signal.aborted) this.signalController.abort(new Error(this.clientGone ? 'client disconnected' : 'upstream deadline passed'));
    return this.signalController.signal;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private end(reason: Error): void {
    this.call?.abort(reason);
    this.signalController?.abort(reason);
  }
}

export class CompletionProxy implements CompletionHandler {
  private readonly agent: Agent;
  private readonly localInFlight = new Map<string, number>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly scheduler: SchedulerClient,
    private readonly recorder: RequestRecorder,
    private readonly logger: Logger,
    /** Tenants and their keys; undefined when auth is off. */
    private readonly tenants?: TenantRegistry,
  ) {
    this.agent = new Agent({ connect: { timeout: config.upstream.connectTimeoutMs }, keepAliveTimeout: 30000, connections: 256, pipelining: 1 });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** A completion route's request, from its first byte: the body read and parsed here, then handled. */
  serve(path: CompletionPath, req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
    withJsonBody(req, res, this.config.limits.bodyBytes, (body) => this.handle(path, body, req, res, startedAt));
  }

  async handle(path: CompletionPath, rawBody: unknown, req: IncomingMessage, res: ServerResponse, startedAt = performance.now()): Promise<void> {
    const requestId = randomUUID();
    const parent = extractFromHeaders(req.headers);
    const span = tracer.startSpan(`POST ${path}`, { kind: SpanKind.SERVER, attributes: { 'llmd.request_id': requestId } }, parent);
    const ctx = trace.setSpan(parent, span);
    const rec: RequestMetricsRecord = {
      requestId, model: '', tenant: '', startUnixMs: Date.now(), ttftMs: 0, itlMs: 0, e2eMs: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0,
      decodeEndpoint: '', prefillEndpoint: '', httpStatus: 0, errorCode: '', stream: false, failOpen: false, traceId: traceIdOf(ctx), endpointPath: path,
    };
    let picked: RoutePick | undefined;
    try {
      const tenant = this.tenants?.authenticate(req.headers.authorization);
      if (tenant) rec.tenant = tenant.name;
      const body = parseRequest(SCHEMAS[path], rawBody) as ParsedBody;
      rec.stream = body.stream === true;
      span.setAttribute('llmd.model', body.model);
      const promptTokens = promptTokensOf(body);
      if (promptTokens > this.config.limits.promptTokens) {
        throw new ApiError('context_length_exceeded', `The prompt is about ${promptTokens} tokens; this gateway accepts prompts of at most ${this.config.limits.promptTokens} tokens.`, body.messages ? 'messages' : 'prompt');
      }
      // Labels and records carry a model only once the fleet is known to serve it: a client's string
      // never becomes a metric series.
      if (this.checkModel(body.model)) rec.model = body.model;
      // A tenant's budget is charged only for a request that is valid and names a served model.
      if (tenant && this.tenants) {
        // A promise only when the buckets are the primary's (several workers).
        const admitted = this.tenants.admit(tenant, body.model, estimateTokens(body, promptTokens));
        if (admitted) await admitted;
      }
      // `llmd.pick`: the scheduler's decision (or the fail-open one), with what it chose.
      picked = await phase('llmd.pick', SpanKind.INTERNAL, ctx, async (span, pickCtx) => {
        const pick = await this.route(requestId, body, pickCtx, req, tenant);
        span.setAttributes({ 'llmd.target': pick.target.id, 'llmd.fail_open': pick.failOpen, ...(pick.prefill ? { 'llmd.prefill': pick.prefill.id } : {}) });
        return pick;
      });
      rec.failOpen = picked.failOpen;
      // Without a snapshot yet, the scheduler's pick is what says the model is served.
      rec.model = body.model;
      await this.forward(path, body, picked, ctx, res, rec, startedAt);
    } catch (err) {
      const api = err instanceof ApiError ? err : new ApiError('upstream_error', `Internal error: ${(err as Error).message}`);
      if (!(err instanceof ApiError)) this.logger.error({ err: (err as Error).message, request_id: requestId }, 'request failed');
      rec.httpStatus = api.status;
      rec.errorCode = api.code;
      span.setStatus({ code: SpanStatusCode.ERROR, message: api.message });
      if (!res.headersSent && !res.destroyed) sendApiError(res, api, { 'x-request-id': requestId });
      else if (!res.writableEnded) res.end();
    } finally {
      rec.e2eMs = performance.now() - startedAt;
      span.setAttribute('http.response.status_code', rec.httpStatus);
      span.end();
      if (picked) {
        this.release(picked.target.id);
        if (!picked.failOpen) this.scheduler.complete(requestId);
      }
      this.recorder.record(rec);
      this.logger.info({ request_id: requestId, trace_id: rec.traceId || undefined, model: rec.model, status: rec.httpStatus, endpoint: rec.decodeEndpoint, fail_open: rec.failOpen, ttft_ms: Math.round(rec.ttftMs), e2e_ms: Math.round(rec.e2eMs) }, 'request done');
    }
  }

  /**
   * 404 for a model no endpoint serves (once the gateway knows the fleet); 503 when the fleet is empty.
   * True when the model is known to be served; false when there is no snapshot to tell yet.
   */
  private checkModel(model: string): boolean {
    if (!this.scheduler.hasSnapshot()) return false;
    const endpoints = this.scheduler.endpoints();
    if (endpoints.length === 0) throw new ApiError('no_endpoint_available', 'No inference endpoint is available.');
    if (!endpoints.some((e) => servesModel(e, model))) throw new ApiError('model_not_found', `The model \`${model}\` does not exist.`, 'model');
    return true;
  }

  private async route(requestId: string, body: ParsedBody, ctx: Context, req: IncomingMessage, tenant: Tenant | undefined): Promise<RoutePick> {
    const input: PickInput = {
      requestId,
      model: body.model,
      ...routingPrompt(body),
      messages: routingMessages(body),
      maxTokens: maxTokensOf(body),
      priority: 0,
      tenant: tenant?.name ?? '',
      sessionId: header(req, 'x-session-id'),
      // A tenant's own objective wins over the header: a key cannot raise its own priority.
      objective: tenant?.objective ?? header(req, 'x-llm-d-inference-objective'),
      fairnessId: header(req, 'x-llm-d-inference-fairness-id'),
      reportsFirstToken: body.stream === true,
    };
    let reason: string;
    try {
      const pick = await this.scheduler.pick(input, ctx);
      // The scheduler answered: it is authoritative, also when no endpoint can take the request.
      if (!pick.target && pick.droppedReason) {
        throw new ApiError('rate_limited', `The request was not admitted: every endpoint is saturated (${pick.droppedReason}).`, null, { 'x-llm-d-request-dropped-reason': pick.droppedReason, 'retry-after': '1' });
      }
      if (!pick.target) throw new ApiError('no_endpoint_available', `No endpoint can serve \`${body.model}\` now.`);
      this.acquire(pick.target.id);
      return { target: pick.target, prefill: pick.prefill, fallbacks: pick.fallbacks, failOpen: false };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      reason = (err as { code?: number }).code === 4 ? 'deadline' : 'unavailable';
      this.logger.warn({ request_id: requestId, err: (err as Error).message }, 'scheduler Pick failed; failing open');
    }
    // The scheduler did not answer: rank the last snapshot ourselves.
    const ranked = failOpenRanking(this.scheduler.endpoints(), body.model, this.localInFlight);
    if (ranked.length === 0) throw new ApiError('no_endpoint_available', `No endpoint can serve \`${body.model}\` now.`);
    this.recorder.failOpen.inc({ reason });
    this.acquire(ranked[0].id);
    return { target: ranked[0], fallbacks: ranked.slice(1), failOpen: true };
  }

  private acquire(id: string): void {
    this.localInFlight.set(id, (this.localInFlight.get(id) ?? 0) + 1);
    this.recorder.inFlight.inc();
  }

  private release(id: string): void {
    this.recorder.inFlight.dec();
    const n = (this.localInFlight.get(id) ?? 1) - 1;
    if (n <= 0) this.localInFlight.delete(id);
    else this.localInFlight.set(id, n);
  }

  private async forward(path: CompletionPath, body: ParsedBody, pick: RoutePick, ctx: Context, res: ServerResponse, rec: RequestMetricsRecord, startedAt: number): Promise<void> {
    // Ends upstream the moment the client goes away, or when the upstream deadline passes.
    const end = new RequestEnd(res, this.config.upstream.timeoutMs);
    try {
      await this.forwardUntil(end, path, body, pick, ctx, res, rec, startedAt);
    } finally {
      end.dispose();
    }
  }

  private async forwardUntil(end: RequestEnd, path: CompletionPath, body: ParsedBody, pick: RoutePick, ctx: Context, res: ServerResponse, rec: RequestMetricsRecord, startedAt: number): Promise<void> {
    const headers = injectIntoHeaders({ 'content-type': 'application/json', 'x-request-id': rec.requestId }, ctx);
    // Streams always ask the pod for usage; the relay removes it again where the client did not ask.
    const upstream = GENERATES.has(path) ? withStreamUsage(body) : { body, stripUsage: false };
    const stripUsage = upstream.stripUsage;
    body = upstream.body;
    let payload = JSON.stringify(body);
    // Disaggregated: the prefill pod first; if it fails, the decode pod serves the whole request. A
    // batch or n > 1 is never split (one kv_transfer handle covers one sequence): the target serves it.
    if (pick.prefill && GENERATES.has(path) && disaggregable(body)) {
      const prefill = pick.prefill;
      const pre = await phase('llmd.prefill', SpanKind.CLIENT, ctx, async (span, prefillCtx) => {
        span.setAttributes({ 'llmd.endpoint': prefill.id, 'server.address': prefill.address });
        const result = await runPrefill({ dispatcher: this.agent, address: prefill.address, path, body: body as Record<string, unknown>, headers: injectIntoHeaders({ ...headers }, prefillCtx), signal: end.signal(), timeoutMs: this.config.upstream.timeoutMs, maxResponseBytes: this.config.upstream.maxResponseBytes });
        if (!result.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: result.reason });
        return result;
      });
      if (end.clientGone) return this.clientClosed(rec);
      if (end.timedOut) throw new ApiError('upstream_timeout', 'The inference endpoint did not answer in time.');
      if (pre.ok) {
        payload = JSON.stringify({ ...body, kv_transfer_params: pre.kvTransferParams });
        rec.prefillEndpoint = pick.prefill.id;
      } else {
        this.recorder.pdFallbacks.inc();
        this.logger.warn({ request_id: rec.requestId, prefill: pick.prefill.id, reason: pre.reason }, 'prefill failed; serving decode-only');
      }
    }
    const candidates: RouteEndpoint[] = [pick.target, ...pick.fallbacks].slice(0, this.config.upstream.retries + 1);
    // `llmd.decode`: the generating request, from connection to its last byte, with a `first_token` event.
    await phase(
      'llmd.decode',
      SpanKind.CLIENT,
      ctx,
      async (span, decodeCtx) => {
        const connected = await this.connect(path, candidates, injectIntoHeaders({ ...headers }, decodeCtx), payload, end, rec);
        if (!connected) return this.clientClosed(rec);
        const { call, endpoint } = connected;
        rec.decodeEndpoint = endpoint.id;
        const outHeaders: Record<string, string> = { 'x-request-id': rec.requestId, 'x-llmd-endpoint': endpoint.id };
        if (rec.prefillEndpoint) outHeaders['x-llmd-prefill-endpoint'] = rec.prefillEndpoint;
        if (pick.failOpen) outHeaders['x-llmd-fail-open'] = 'true';

        if (call.statusCode >= 400) return this.relayError(call, end, res, rec, outHeaders);
        const contentType = String(call.headers['content-type'] ?? '');
        if (body.stream === true && contentType.includes('text/event-stream')) return this.relayStream(call, end, res, rec, outHeaders, startedAt, stripUsage, span, pick.failOpen ? undefined : () => this.scheduler.firstToken(rec.requestId));

        const text = await this.readWhole(call, end);
        rec.httpStatus = call.statusCode;
        // A whole response has no first token to time: its time is the request's (e2e) only.
        span.addEvent('response');
        try {
          const usage = usageFrom(JSON.parse(text).usage);
          if (usage) Object.assign(rec, usage);
        } catch {
          // Not JSON: relayed as it is.
        }
        res.writeHead(call.statusCode, { ...outHeaders, 'content-type': contentType || 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
      (span) => {
        if (rec.errorCode && rec.errorCode !== 'client_closed') span.setStatus({ code: SpanStatusCode.ERROR, message: rec.errorCode });
        span.setAttributes({ 'llmd.endpoint': rec.decodeEndpoint, 'http.response.status_code': rec.httpStatus, 'llmd.completion_tokens': rec.completionTokens });
      },
    );
  }

  /** Opens the upstream request, moving on to the next candidate when a connection fails before the first byte. */
  private async connect(path: CompletionPath, candidates: RouteEndpoint[], headers: Record<string, string>, payload: string, end: RequestEnd, rec: RequestMetricsRecord): Promise<{ call: UpstreamCall; endpoint: RouteEndpoint } | undefined> {
    for (let i = 0; ; i++) {
      const endpoint = candidates[i];
      if (end.clientGone) return undefined;
      if (end.timedOut) throw new ApiError('upstream_timeout', 'The inference endpoint did not answer in time.');
      const call = new UpstreamCall(this.agent, { origin: `http://${endpoint.address}`, path, headers, body: payload, idleTimeoutMs: this.config.upstream.timeoutMs });
      end.call = call;
      try {
        await call.head;
        return { call, endpoint };
      } catch (err) {
        if (end.clientGone) return undefined;
        if (end.timedOut || (err as Error).name === 'HeadersTimeoutError') throw new ApiError('upstream_timeout', 'The inference endpoint did not answer in time.');
        this.logger.warn({ endpoint: endpoint.id, err: (err as Error).message, request_id: rec.requestId }, 'upstream connection failed');
        if (i + 1 >= candidates.length) throw new ApiError('upstream_error', `The inference endpoint could not be reached: ${(err as Error).message}`);
        this.recorder.retries.inc();
      }
    }
  }

  /** A whole (non-streamed) upstream body, capped at upstream.maxResponseBytes. */
  private async readWhole(call: UpstreamCall, end: RequestEnd): Promise<string> {
    const max = this.config.upstream.maxResponseBytes;
    try {
      return await readAll(call, max, () => new ApiError('upstream_error', `The inference endpoint's response is larger than upstream.maxResponseBytes (${max} bytes).`));
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (end.timedOut || (err as Error).name === 'BodyTimeoutError') throw new ApiError('upstream_timeout', 'The inference endpoint stopped responding.');
      throw new ApiError('upstream_error', `The inference endpoint failed: ${(err as Error).message}`);
    }
  }

  private async relayError(call: UpstreamCall, end: RequestEnd, res: ServerResponse, rec: RequestMetricsRecord, outHeaders: Record<string, string>): Promise<void> {
    const text = await this.readWhole(call, end);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    // vLLM's older error shape ({object:'error', message, type, param, code}) becomes OpenAI's.
    const out = isOpenAIErrorBody(body)
      ? body
      : { error: { message: (body as { message?: string })?.message ?? (text || `upstream status ${call.statusCode}`), type: (body as { type?: string })?.type ?? 'upstream_error', param: (body as { param?: string })?.param ?? null, code: String(call.statusCode) } };
    rec.httpStatus = call.statusCode;
    rec.errorCode = 'upstream_status';
    const json = JSON.stringify(out);
    res.writeHead(call.statusCode, { ...outHeaders, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }

  /**
   * Bytes in, bytes out: each read of the pod's body goes through one parser (which meters the stream
   * and removes only the usage event the gateway added) and is written to the client in the same turn;
   * reading pauses while the client's socket is full.
   */
  private relayStream(call: UpstreamCall, end: RequestEnd, res: ServerResponse, rec: RequestMetricsRecord, outHeaders: Record<string, string>, startedAt: number, stripUsage: boolean, span: Span, onFirstToken: (() => void) | undefined): Promise<void> {
    res.writeHead(200, { ...outHeaders, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    rec.httpStatus = 200;
    const relay = new SseRelay(startedAt, stripUsage);
    // One 'drain' listener at a time, however many writes found the socket full before it drained.
    let waitingForDrain = false;
    const resume = () => {
      waitingForDrain = false;
      call.resume();
    };
    return new Promise<void>((resolve) => {
      const finish = () => {
        res.off('drain', resume);
        const m = relay.report();
        rec.ttftMs = m.ttftMs ?? 0;
        rec.itlMs = m.itlMs;
        rec.completionTokens = m.usage?.completionTokens ?? m.tokenChunks;
        rec.promptTokens = m.usage?.promptTokens ?? 0;
        rec.cachedTokens = m.usage?.cachedTokens ?? 0;
        resolve();
      };
      call.attach({
        data: (chunk) => {
          const before = relay.sawFirstToken;
          let out: Buffer;
          try {
            out = relay.push(chunk);
          } catch (err) {
            call.abort(err as Error);
            return;
          }
          if (!before && relay.sawFirstToken) {
            span.addEvent('first_token');
            // The scheduler counts this prompt as prefill work on its pod until now.
            onFirstToken?.();
          }
          if (out.length > 0 && !res.write(out) && !waitingForDrain) {
            waitingForDrain = true;
            call.pause();
            res.once('drain', resume);
          }
        },
        end: () => {
          res.end(relay.flush());
          finish();
        },
        error: (err) => {
          if (end.clientGone) {
            this.clientClosed(rec);
          } else {
            // Bytes already went out: tell the client in-band and end the stream cleanly.
            const timedOut = end.timedOut || err.name === 'BodyTimeoutError';
            const api = timedOut ? new ApiError('upstream_timeout', 'The inference endpoint stopped responding.') : new ApiError('upstream_error', `The inference endpoint failed mid-stream: ${err.message}`);
            rec.errorCode = api.code;
            if (!res.destroyed) res.end(`data: ${JSON.stringify(api.toBody())}\n\ndata: [DONE]\n\n`);
          }
          finish();
        },
      });
    });
  }

  private clientClosed(rec: RequestMetricsRecord): void {
    // 499: nginx's "client closed request", the common convention for this case.
    rec.httpStatus = 499;
    rec.errorCode = 'client_closed';
  }
}
