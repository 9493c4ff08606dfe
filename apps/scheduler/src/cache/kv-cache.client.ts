// The precise prefix index as the precise prefix scorer sees it: KvCache.Score on cache-manager over
// gRPC, with a deadline and a circuit breaker, so an absent or failing index costs one fast
// rejection per request (and a fallback to the approximate index) instead of a timeout each time.
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { cachev1 } from '@llmd/proto';
import { deadlineIn, type GrpcChannelSecurity } from '@llmd/platform';
import type { AdapterTarget, SchedulingRequest, TargetedPrefixCacheLookup } from '@llmd/scoring';

export class IndexUnavailableError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
    this.name = 'IndexUnavailableError';
  }
}

export interface CircuitOptions {
  /**
   * Consecutive failures that open the circuit. One late answer (a GC pause, a cold start) costs that
   * request a fallback; it should not cost every request for the next second. @default 3
   */
  failureThreshold: number;
  /** Once open, calls are skipped for this long (doubling per further consecutive failure, capped). @default 1000 */
  openMs: number;
  /** @default 30000 */
  maxOpenMs: number;
}

export const DEFAULT_CIRCUIT: CircuitOptions = { failureThreshold: 3, openMs: 1000, maxOpenMs: 30000 };

/**
 * How long a Score may run on after its request stopped waiting for it. A lookup past the scorer's
 * deadline costs that request a fallback, but the call goes on: an answer that comes late says
 * cache-manager is alive (only slow), so it keeps the circuit closed; only no answer by this bound, or
 * a failure, counts against it. Cutting calls at the scorer's deadline made every slow moment under
 * load look like an outage, and the circuit then held the whole fleet on the approximate index.
 */
export const LATE_ANSWER_MS = 2000;

/** Skips calls for a while after `failureThreshold` consecutive failures; closes again after a success. */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;

  constructor(
    private readonly options: CircuitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  allow(): boolean {
    return this.now() >= this.openUntil;
  }

  success(): void {
    this.failures = 0;
    this.openUntil = 0;
  }

  failure(): void {
    this.failures++;
    const over = this.failures - Math.max(1, this.options.failureThreshold);
    if (over < 0) return;
    const wait = Math.min(this.options.maxOpenMs, this.options.openMs * 2 ** over);
    this.openUntil = this.now() + wait;
  }
}

function inputOf(request: SchedulingRequest): cachev1.ScoreRequest['input'] {
  if (request.promptTokenIds && request.promptTokenIds.length > 0) return { $case: 'tokenIds', value: { ids: [...request.promptTokenIds] } };
  if (request.messages && request.messages.length > 0) return { $case: 'chat', value: { messages: request.messages.map((m) => ({ role: m.role, content: m.content })) } };
  return { $case: 'prompt', value: request.prompt };
}

export class KvCacheClient implements TargetedPrefixCacheLookup {
  private readonly client: cachev1.KvCacheClient;
  private readonly circuit: CircuitBreaker;

  constructor(
    address: string,
    circuit: CircuitOptions = DEFAULT_CIRCUIT,
    private readonly lateAnswerMs = LATE_ANSWER_MS,
    /** TLS of the channel (grpcChannelSecurity); absent: plaintext. */
    private readonly security?: GrpcChannelSecurity,
  ) {
    this.client = new cachev1.KvCacheClient(address, security?.credentials ?? credentials.createInsecure(), { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 2000, ...security?.options });
    this.circuit = new CircuitBreaker(circuit);
    // The channel connects on the first Score, which pays for it (and may miss its deadline: one
    // counted fallback). Connecting here instead was worse: started before cache-manager, the channel
    // sat in reconnect back-off and failed every call for up to 2 s after cache-manager came up.
  }

  close(): void {
    this.client.close();
    this.security?.watcher?.close();
  }

  /** Fire and forget: a failed or skipped speculation only costs the next request a hit. */
  recordPick(request: SchedulingRequest, endpointId: string, target: AdapterTarget = { model: request.model }): void {
    if (!this.circuit.allow()) return;
    this.client.speculate({ model: target.model, input: inputOf(request), endpointId, loraName: target.lora ?? '', ttlMs: 0 }, new Metadata(), { deadline: deadlineIn(1000) }, () => undefined);
  }

  /** `target`: the base model and LoRA adapter the request names (an adapter's blocks are keyed by its name). */
  score(request: SchedulingRequest, endpointIds: readonly string[], deadlineMs: number, target: AdapterTarget = { model: request.model }): Promise<ReadonlyMap<string, number>> {
    if (!this.circuit.allow()) return Promise.reject(new IndexUnavailableError('circuit-open', 'cache-manager failed recently; not asking for a while'));
    const input = inputOf(request);
    return new Promise((resolve, reject) => {
      let waiting = true;
      // The deadline is checked after this turn's I/O: when this loop was held past it (a GC pause, a
      // busy core), the timer and an answer already on the socket are due together, and timers run
      // first. Measured under load, most late Scores were such answers, sent by cache-manager within
      // the deadline: falling back then saves no time and loses the precise figures.
      let verdict: NodeJS.Immediate | undefined;
      const late = setTimeout(() => {
        verdict = setImmediate(() => {
          if (!waiting) return;
          waiting = false;
          reject(new IndexUnavailableError('deadline', `KvCache.Score took over ${deadlineMs} ms`));
        });
      }, deadlineMs);
      const answer = (result: () => void) => {
        clearTimeout(late);
        if (verdict) clearImmediate(verdict);
        if (waiting) result();
        waiting = false;
      };
      this.client.score({ model: target.model, input, endpointIds: [...endpointIds], loraName: target.lora ?? '' }, new Metadata(), { deadline: deadlineIn(Math.max(deadlineMs, this.lateAnswerMs)) }, (err, res) => {
        if (err?.code === status.FAILED_PRECONDITION) {
          // cache-manager is healthy but has no tokenizer for this model: this request (and this
          // model's others) are scored approximately; the circuit stays closed for every other model.
          this.circuit.success();
          return answer(() => reject(new IndexUnavailableError('no-tokenizer', err.details || err.message)));
        }
        if (err || !res) {
          this.circuit.failure();
          const reason = err?.code === status.DEADLINE_EXCEEDED ? 'deadline' : err?.code === status.UNIMPLEMENTED ? 'unimplemented' : 'unavailable';
          return answer(() => reject(new IndexUnavailableError(reason, err?.message ?? 'empty KvCache.Score response')));
        }
        this.circuit.success();
        answer(() => resolve(new Map(res.scores.map((s) => [s.endpointId, s.score]))));
      });
    });
  }
}
