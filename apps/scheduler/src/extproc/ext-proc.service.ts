// The scheduler as an endpoint picker for Envoy-based gateways: Envoy's ext_proc `Process` stream, one
// per HTTP request, in FULL_DUPLEX_STREAMED body mode (the Gateway API Inference Extension's protocol).
// The request's body is gathered whole, parsed once and picked for (admission, then the same
// scheduling cycle as Pick), and the pick goes back as the destination header and `envoy.lb`
// metadata before the body is streamed back. The response's headers and body are watched on their
// way (first token, usage, end) so the in-flight accounting and the request's record work as behind
// llmd's own gateway.
import { randomUUID } from 'node:crypto';
import { ServerDuplexStream, status } from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import {
  ApiError,
  chatCompletionRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  maxTokensOf,
  parseRequest,
  RequestShape,
  routingMessages,
  routingPrompt,
  SseRelay,
  usageFrom,
} from '@llmd/openai';
import { extractFromHeaders, pickRequestOf } from '@llmd/platform';
import { extprocv3 } from '@llmd/proto';
import type { Endpoint } from '@llmd/scoring';
import type { RequestMetricsRecord } from '@llmd/telemetry';
import type { Logger } from 'pino';
import type { FlowController } from '../flow/flow-controller';
import { handlePick } from '../grpc/scheduler.grpc-service';
import { requestFromProto } from '../grpc/proto-mapping';
import type { PickService } from '../scheduling/pick.service';
import {
  bodyResponses,
  continueHeaders,
  continueTrailers,
  errorResponse,
  FAIRNESS_ID,
  headersOf,
  inSubset,
  MODEL_REWRITE,
  OBJECTIVE,
  PREFILLER,
  REQUEST_ID,
  routeResponse,
  servedOf,
  setHeader,
  subsetOf,
} from './ext-proc-protocol';

const SCHEMAS: Record<string, Parameters<typeof parseRequest>[0]> = {
  '/v1/chat/completions': chatCompletionRequestSchema,
  '/v1/completions': completionRequestSchema,
  '/v1/embeddings': embeddingRequestSchema,
};

/** A non-streamed answer is read for its usage up to this; past it, it passes on unread. */
const MAX_METERED_BODY_BYTES = 4 * 1024 * 1024;

export interface ExtProcOptions {
  /** Largest request body gathered; past it the request is answered 413. */
  maxBodyBytes: number;
  /** Deadline of admission and the scheduling cycle, from the request's last body byte. */
  pickTimeoutMs: number;
  /** Endpoints in the destination list (the pick, then fallbacks). */
  destinations: number;
}

export interface ExtProcDeps {
  picks: PickService;
  flow: FlowController;
  logger: Logger;
  options: ExtProcOptions;
  /** Each finished request (metrics and its Kafka record, as the gateway's). */
  record: (r: RequestMetricsRecord) => void;
  /** Exchanges by outcome (picked, bad-request, shed, no-endpoint, error, no-body). */
  outcome: (result: string) => void;
}

type Call = ServerDuplexStream<extprocv3.ProcessingRequest, extprocv3.ProcessingResponse>;

export function extProcImplementation(deps: ExtProcDeps): extprocv3.ExternalProcessorServer {
  return {
    process(call: Call) {
      new Exchange(call, deps).run();
    },
  };
}

/** One HTTP request through Envoy, from its headers to the end of its response. */
class Exchange {
  private headers = new Map<string, string>();
  private metadata: extprocv3.ProcessingRequest['metadataContext'];
  private readonly chunks: Buffer[] = [];
  private bodyBytes = 0;
  /** The request's answer is sent (route, or an immediate response): later request messages are passed on. */
  private requestDone = false;
  /** The pick under way (or made): what a later answer in the request direction waits for. */
  private routing?: Promise<void>;
  private closed = false;
  private startedAt = performance.now();
  private pick?: { request: ReturnType<typeof requestFromProto>; target: string; prefill?: string; leaseOpen: boolean };
  private readonly rec: RequestMetricsRecord = {
    requestId: '', model: '', tenant: '', startUnixMs: Date.now(), ttftMs: 0, itlMs: 0, e2eMs: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0,
    decodeEndpoint: '', prefillEndpoint: '', httpStatus: 0, errorCode: '', stream: false, failOpen: false, traceId: '', endpointPath: '',
  };
  private meter?: SseRelay;
  private firstTokenSent = false;
  private reportsFirstToken = false;
  private unstreamed: Buffer[] = [];
  private unstreamedBytes = 0;

  constructor(
    private readonly call: Call,
    private readonly deps: ExtProcDeps,
  ) {}

  run(): void {
    this.call.on('data', (m: extprocv3.ProcessingRequest) => {
      try {
        this.receive(m);
      } catch (err) {
        this.deps.logger.error({ err: (err as Error).message, request_id: this.rec.requestId }, 'ext_proc message failed');
        this.fail(new ApiError('upstream_error', `Internal error: ${(err as Error).message}`), 'error');
      }
    });
    this.call.on('end', () => this.finish());
    this.call.on('cancelled', () => this.finish());
    this.call.on('error', () => this.finish());
  }

  private receive(m: extprocv3.ProcessingRequest): void {
    if (m.metadataContext) this.metadata = m.metadataContext;
    const r = m.request;
    if (!r || this.closed) return;
    switch (r.$case) {
      case 'requestHeaders':
        this.headers = headersOf(r.value.headers);
        this.startedAt = performance.now();
        this.rec.startUnixMs = Date.now();
        this.rec.endpointPath = (this.headers.get(':path') ?? '').split('?')[0];
        if (r.value.endOfStream) void this.routeWithoutBody();
        return;
      case 'requestBody':
        if (this.requestDone) return this.send(...bodyResponses('requestBody', r.value.body, r.value.endOfStream));
        this.bodyBytes += r.value.body.length;
        if (this.bodyBytes > this.deps.options.maxBodyBytes) {
          return this.fail(new ApiError('payload_too_large', `The request body is larger than ${this.deps.options.maxBodyBytes} bytes.`), 'bad-request');
        }
        this.chunks.push(r.value.body);
        if (r.value.endOfStream) this.routing = this.route(true);
        return;
      case 'requestTrailers':
        // Trailers end the body when its last piece did not (which then does not end the stream
        // either): route, then answer them after the body.
        this.routing ??= this.requestDone ? Promise.resolve() : this.route(false);
        void this.routing.then(() => this.send(continueTrailers('requestTrailers')));
        return;
      case 'responseHeaders':
        return this.onResponseHeaders(headersOf(r.value.headers), r.value.endOfStream);
      case 'responseBody':
        return this.onResponseBody(r.value.body, r.value.endOfStream);
      case 'responseTrailers':
        this.send(continueTrailers('responseTrailers'));
        return this.done();
    }
  }

  /**
   * The body is whole: parse it once, pick, answer the headers with the route, stream the body back
   * (its last piece ending the stream unless trailers follow).
   */
  private async route(endsStream: boolean): Promise<void> {
    if (this.requestDone) return;
    this.requestDone = true;
    const raw = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    const requestId = this.headers.get(REQUEST_ID) || randomUUID();
    this.rec.requestId = requestId;
    let body: RequestShape & { model: string; stream?: boolean | null };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.fail(new ApiError('invalid_json', 'The request body is not valid JSON.'), 'bad-request');
    }
    try {
      const schema = SCHEMAS[this.rec.endpointPath];
      body = (schema ? parseRequest(schema, parsed) : modelOnly(parsed)) as typeof body;
    } catch (err) {
      return this.fail(err instanceof ApiError ? err : new ApiError('invalid_request', (err as Error).message), 'bad-request');
    }
    // The gateway's rewrite of the model (GIE): the pods see, and the scheduler routes on, the new name.
    const rewrite = this.headers.get(MODEL_REWRITE);
    let out = raw;
    if (rewrite && rewrite !== body.model) {
      (parsed as { model: string }).model = rewrite;
      body = { ...body, model: rewrite };
      out = Buffer.from(JSON.stringify(parsed));
    }
    this.rec.model = body.model;
    this.rec.stream = body.stream === true;
    this.reportsFirstToken = body.stream === true;
    const subset = subsetOf(this.metadata);
    if (subset && subset.length === 0) return this.fail(new ApiError('no_endpoint_available', 'The gateway\'s subset hint names no endpoint.'), 'no-endpoint');
    const eligible = subset ? (e: Endpoint) => inSubset(subset, e.address) : undefined;
    // Built as the gateway builds its Pick (the prompt as text: the scheduler hashes it itself).
    const pickRequest = pickRequestOf(
      {
        requestId,
        model: body.model,
        ...routingPrompt(body),
        messages: routingMessages(body),
        maxTokens: maxTokensOf(body),
        sessionId: this.headers.get('x-session-id') ?? '',
        objective: this.headers.get(OBJECTIVE) ?? this.headers.get('x-llm-d-inference-objective') ?? '',
        fairnessId: this.headers.get(FAIRNESS_ID) ?? this.headers.get('x-llm-d-inference-fairness-id') ?? '',
        reportsFirstToken: this.reportsFirstToken,
      },
      undefined,
    );
    const parent = extractFromHeaders(Object.fromEntries(this.headers), context.active());
    const result = await handlePick(this.deps.picks, this.deps.flow, this.deps.logger, pickRequest, parent, new Date(Date.now() + this.deps.options.pickTimeoutMs), eligible);
    if (this.closed) {
      // Envoy gave up on the request while it was picked for.
      if ('ok' in result && result.ok.target) this.deps.picks.complete(requestId);
      return;
    }
    if (!('ok' in result)) {
      return this.fail(new ApiError(result.code === status.INVALID_ARGUMENT ? 'invalid_request' : 'upstream_error', result.details), 'error');
    }
    const pick = result.ok;
    if (!pick.target && pick.droppedReason) {
      return this.fail(new ApiError('rate_limited', `The request was not admitted: every endpoint is saturated (${pick.droppedReason}).`, null, { 'x-llm-d-request-dropped-reason': pick.droppedReason, 'retry-after': '1' }), 'shed');
    }
    if (!pick.target) {
      return this.fail(new ApiError('no_endpoint_available', subset ? `No endpoint of the gateway's subset can serve \`${body.model}\` now.` : `No endpoint can serve \`${body.model}\` now.`), 'no-endpoint');
    }
    this.pick = { request: requestFromProto(pickRequest), target: pick.target.id, prefill: pick.prefill?.id, leaseOpen: true };
    this.rec.decodeEndpoint = pick.target.id;
    this.rec.prefillEndpoint = pick.prefill?.id ?? '';
    const extra = [];
    if (out !== raw) extra.push(setHeader('content-length', String(out.length)));
    if (pick.prefill) extra.push(setHeader(PREFILLER, pick.prefill.address));
    if (!this.headers.has(REQUEST_ID)) extra.push(setHeader(REQUEST_ID, requestId));
    this.deps.outcome('picked');
    this.send(routeResponse([pick.target, ...pick.fallbacks].slice(0, this.deps.options.destinations).map((e) => e.address), extra), ...bodyResponses('requestBody', out, endsStream));
  }

  /** A request without a body (e.g. GET /v1/models): any healthy endpoint of the subset serves it, with no lease. */
  private routeWithoutBody(): void {
    this.requestDone = true;
    const subset = subsetOf(this.metadata);
    const endpoints = this.deps.picks.endpoints().filter((e) => e.healthy && (!subset || inSubset(subset, e.address)));
    if (endpoints.length === 0) return this.fail(new ApiError('no_endpoint_available', 'No inference endpoint is available.'), 'no-endpoint');
    const least = endpoints.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    this.deps.outcome('no-body');
    this.send(routeResponse([least.address], []));
  }

  private onResponseHeaders(headers: Map<string, string>, endOfStream: boolean): void {
    this.rec.httpStatus = Number(headers.get(':status') ?? 0);
    if ((headers.get('content-type') ?? '').includes('text/event-stream')) this.meter = new SseRelay(this.startedAt, false);
    // Envoy moved on to another endpoint than the first choice (a retry): the lease follows it.
    const served = servedOf(this.metadata);
    const moved = served && this.pick?.leaseOpen ? this.deps.picks.served(this.pick.request, this.pick, served) : undefined;
    if (moved && this.pick) this.pick.target = this.rec.decodeEndpoint = moved;
    this.send(continueHeaders('responseHeaders'));
    if (endOfStream) this.done();
  }

  private onResponseBody(chunk: Buffer, endOfStream: boolean): void {
    if (this.meter) {
      this.meter.push(chunk);
      if (!this.firstTokenSent && this.meter.sawFirstToken) {
        this.firstTokenSent = true;
        if (this.reportsFirstToken && this.pick?.leaseOpen) this.deps.picks.firstToken(this.rec.requestId);
      }
    } else if (this.unstreamedBytes + chunk.length <= MAX_METERED_BODY_BYTES) {
      this.unstreamed.push(chunk);
      this.unstreamedBytes += chunk.length;
    }
    this.send(...bodyResponses('responseBody', chunk, endOfStream));
    if (endOfStream) this.done();
  }

  /** Answers the request with an error of llmd's own (no endpoint is asked). */
  private fail(error: ApiError, outcome: string): void {
    this.requestDone = true;
    this.deps.outcome(outcome);
    this.rec.httpStatus = error.status;
    this.rec.errorCode = error.code;
    this.send(errorResponse(error));
    this.done();
    this.close();
  }

  private send(...messages: extprocv3.ProcessingResponse[]): void {
    if (this.closed) return;
    for (const m of messages) this.call.write(m);
  }

  /** The response is over (or the request was answered here): release the lease, record the request. */
  private done(): void {
    if (this.rec.e2eMs > 0) return;
    this.rec.e2eMs = Math.max(performance.now() - this.startedAt, 0.001);
    if (this.meter) {
      const report = this.meter.report();
      this.rec.ttftMs = report.ttftMs ?? 0;
      this.rec.itlMs = report.itlMs;
      if (report.usage) Object.assign(this.rec, report.usage);
    } else if (this.unstreamed.length > 0) {
      try {
        const usage = usageFrom((JSON.parse(Buffer.concat(this.unstreamed).toString('utf8')) as { usage?: unknown }).usage);
        if (usage) Object.assign(this.rec, usage);
      } catch {
        // Not JSON (an error page): no usage.
      }
      this.unstreamed = [];
    }
    this.release();
    if (this.rec.model) this.deps.record(this.rec);
  }

  private release(): void {
    if (!this.pick?.leaseOpen) return;
    this.pick.leaseOpen = false;
    this.deps.picks.complete(this.rec.requestId);
    this.deps.flow.dispatch();
  }

  /** Envoy closed the stream (the request ended, or the client went away): nothing more is sent. */
  private finish(): void {
    if (this.pick && this.rec.e2eMs === 0) {
      // Gone before its response ended: 499, as the gateway counts a client that went away.
      this.rec.httpStatus = 499;
      this.done();
    }
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    try {
      this.call.end();
    } catch {
      // Already ended.
    }
  }
}

/** A body on a path llmd does not type: it must name its model. */
function modelOnly(body: unknown): { model: string } {
  const model = (body as { model?: unknown } | null)?.model;
  if (typeof model !== 'string' || model.length === 0) throw new ApiError('invalid_request', 'Missing required parameter: \'model\'.', 'model');
  return body as { model: string };
}
