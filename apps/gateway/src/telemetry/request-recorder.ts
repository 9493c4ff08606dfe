// Records each finished request as Prometheus metrics and an llmd.request-metrics.v1 Kafka record
// (enqueued into the buffered producer: the request never waits on Kafka). The model label is a
// model the fleet serves, or `unknown` (never a client's string); TTFT and ITL come from streams only.
import type { BufferedProducer } from '@llmd/platform';
import { Counter, Gauge, Histogram, Registry } from '@llmd/platform';
import { recordHeaders, RequestMetricsRecord, requestMetricsCodec } from '@llmd/telemetry';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class RequestRecorder {
  private readonly requests: Counter<'model' | 'status' | 'path'>;
  private readonly ttft: Histogram<'model'>;
  private readonly itl: Histogram<'model'>;
  private readonly e2e: Histogram<'model'>;
  private readonly tokens: Counter<'model' | 'kind'>;
  readonly failOpen: Counter<'reason'>;
  readonly retries: Counter;
  readonly pdFallbacks: Counter;
  /** Requests picked an endpoint and not finished yet (streams included). */
  readonly inFlight: Gauge;

  constructor(
    registry: Registry,
    private readonly producer: BufferedProducer | undefined,
  ) {
    const registers = [registry];
    this.requests = new Counter({ name: 'llmd_gateway_requests_total', help: 'Finished requests by status', labelNames: ['model', 'status', 'path'], registers });
    this.ttft = new Histogram({ name: 'llmd_gateway_ttft_seconds', help: 'Time to first token of streamed requests, seen by the gateway', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers });
    this.itl = new Histogram({ name: 'llmd_gateway_inter_token_latency_seconds', help: 'Mean inter-token latency per streamed request', labelNames: ['model'], buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1], registers });
    this.e2e = new Histogram({ name: 'llmd_gateway_request_duration_seconds', help: 'End-to-end request duration', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers });
    this.tokens = new Counter({ name: 'llmd_gateway_tokens_total', help: 'Tokens by kind (prompt, completion, cached)', labelNames: ['model', 'kind'], registers });
    this.failOpen = new Counter({ name: 'llmd_gateway_fail_open_total', help: 'Requests routed by the gateway itself because the scheduler failed', labelNames: ['reason'], registers });
    this.retries = new Counter({ name: 'llmd_gateway_upstream_retries_total', help: 'Requests retried on another endpoint before the first byte', registers });
    this.pdFallbacks = new Counter({ name: 'llmd_gateway_pd_fallbacks_total', help: 'Disaggregated requests served decode-only because the prefill step failed', registers });
    this.inFlight = new Gauge({ name: 'llmd_gateway_requests_in_flight', help: 'Requests routed to an endpoint and not finished yet, streams included', registers });
  }

  record(r: RequestMetricsRecord): void {
    const model = r.model || 'unknown';
    this.requests.inc({ model, status: String(r.httpStatus), path: r.endpointPath });
    if (r.ttftMs > 0) this.ttft.observe({ model }, r.ttftMs / 1000);
    if (r.itlMs > 0) this.itl.observe({ model }, r.itlMs / 1000);
    this.e2e.observe({ model }, r.e2eMs / 1000);
    this.tokens.inc({ model, kind: 'prompt' }, r.promptTokens);
    this.tokens.inc({ model, kind: 'completion' }, r.completionTokens);
    this.tokens.inc({ model, kind: 'cached' }, r.cachedTokens);
    this.producer?.enqueue({ topic: requestMetricsCodec.topic, key: r.decodeEndpoint || 'none', value: requestMetricsCodec.encode(r), headers: recordHeaders(requestMetricsCodec) });
  }
}
