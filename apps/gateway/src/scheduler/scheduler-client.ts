// The gateway's link to the scheduler: Pick with a deadline, Complete fire-and-forget, and a background
// refresh of ListEndpoints that keeps the snapshot the gateway fails open to.
import { credentials, Metadata, ServiceError } from '@grpc/grpc-js';
import { schedulerv1 } from '@llmd/proto';
import { deadlineIn, injectIntoHeaders, metadataWithTrace, pickRequestOf, PickStreamPool, type GrpcChannelSecurity } from '@llmd/platform';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { EndpointLoadView, RouteEndpoint } from '../routing/routing-types';


export interface PickInput {
  requestId: string;
  model: string;
  prompt: string;
  messages: { role: string; content: string }[];
  promptTokenIds: number[];
  maxTokens: number;
  priority: number;
  tenant: string;
  sessionId: string;
  objective: string;
  fairnessId: string;
  /** The response is streamed: the gateway will report its first token (`firstToken`). */
  reportsFirstToken: boolean;
}

export interface SchedulerPick {
  target?: RouteEndpoint;
  prefill?: RouteEndpoint;
  fallbacks: RouteEndpoint[];
  /** Set when flow control did not admit the request. */
  droppedReason?: string;
}

function endpointFromProto(e: schedulerv1.Endpoint | undefined): RouteEndpoint | undefined {
  return e ? { id: e.id, address: e.address, models: e.models, loraAdapters: e.loraAdapters } : undefined;
}

function pickFromProto(res: schedulerv1.PickResponse): SchedulerPick {
  return {
    target: endpointFromProto(res.target),
    prefill: endpointFromProto(res.prefill),
    fallbacks: res.fallbacks.flatMap((e) => endpointFromProto(e) ?? []),
    droppedReason: res.droppedReason || undefined,
  };
}

export class SchedulerClient {
  private readonly client: schedulerv1.SchedulerClient;
  private snapshot: EndpointLoadView[] = [];
  private snapshotAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly streams: PickStreamPool | undefined;
  /** How the scheduler wants prompts digested (from ListEndpoints); until it says, Picks carry the text. */
  private digestSpec: schedulerv1.PromptDigestSpec | undefined;

  constructor(
    address: string,
    private readonly options: { pickTimeoutMs: number; refreshIntervalMs: number; transport?: 'stream' | 'unary'; streams?: number },
    private readonly logger: Logger,
    /** TLS of the channel (grpcChannelSecurity); absent: plaintext. */
    private readonly security?: GrpcChannelSecurity,
  ) {
    this.client = new schedulerv1.SchedulerClient(address, security?.credentials ?? credentials.createInsecure(), {
      ...security?.options,
      'grpc.keepalive_time_ms': 30000,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
      // Picks are small and never retried by the channel (the gateway fails open instead).
      'grpc.enable_retries': 0,
    });
    if ((options.transport ?? 'stream') === 'stream') this.streams = new PickStreamPool(this.client, options.streams ?? 4, logger);
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.streams?.close();
    this.client.close();
    this.security?.watcher?.close();
  }

  /** The last endpoint list the scheduler returned (possibly stale). */
  endpoints(): readonly EndpointLoadView[] {
    return this.snapshot;
  }

  /** True once a ListEndpoints answer has arrived. */
  hasSnapshot(): boolean {
    return this.snapshotAt > 0;
  }

  pick(input: PickInput, ctx: Context): Promise<SchedulerPick> {
    const request = pickRequestOf(input, this.digestSpec);
    if (this.streams) return this.streams.pick(request, this.options.pickTimeoutMs, injectIntoHeaders({}, ctx)).then(pickFromProto);
    return new Promise((resolve, reject) => {
      this.client.pick(
        request,
        metadataWithTrace(ctx),
        { deadline: deadlineIn(this.options.pickTimeoutMs) },
        (err: ServiceError | null, res?: schedulerv1.PickResponse) => {
          if (err || !res) return reject(err ?? new Error('empty Pick response'));
          resolve(pickFromProto(res));
        },
      );
    });
  }

  /** Tells the scheduler a streamed request's first token arrived (its prefill is done); best effort, like `complete`. */
  firstToken(requestId: string): void {
    if (this.streams) return this.streams.firstToken(requestId);
    this.client.complete({ requestId, firstToken: true }, new Metadata(), { deadline: deadlineIn(1000) }, (err) => {
      if (err) this.logger.debug({ err: err.message, request_id: requestId }, 'first-token Complete failed');
    });
  }

  /** Tells the scheduler a request ended; failures are only logged (the scheduler's lease expires anyway). */
  complete(requestId: string): void {
    if (this.streams) return this.streams.complete(requestId);
    this.client.complete({ requestId, firstToken: false }, new Metadata(), { deadline: deadlineIn(1000) }, (err) => {
      if (err) this.logger.debug({ err: err.message, request_id: requestId }, 'Complete failed');
    });
  }

  private refresh(): Promise<void> {
    return new Promise((resolve) => {
      this.client.listEndpoints({}, new Metadata(), { deadline: deadlineIn(1000) }, (err, res) => {
        if (!err && res) {
          this.snapshot = res.endpoints.flatMap((s) => {
            const e = endpointFromProto(s.endpoint);
            return e ? [{ ...e, waiting: s.waiting, running: s.running, inFlight: s.inFlight, kvCacheUsage: s.kvCacheUsage, healthy: s.healthy }] : [];
          });
          this.snapshotAt = Date.now();
          this.digestSpec = res.promptDigestSpec;
        }
        resolve();
      });
    });
  }
}
