// The soak's client: spreads requests over the gateway replicas in turn, as a load balancer would, and
// moves a request to the next replica only when its connection is refused before any byte. It records
// what it saw of each request (status, stream end, error events, resets); outcome.ts judges it.
import { Agent, request } from 'undici';
import { classify, type Observed, type Outcome } from './outcome';
import { requestBody, TENANTS, type RequestSpec } from './workload';

export interface GatewayTarget {
  name: string;
  url: string;
}

export interface RequestResult {
  spec: RequestSpec;
  startMs: number;
  endMs: number;
  outcome: Outcome;
  status?: number;
  retried: boolean;
  /** The gateway replica and process that answered (`gateway-1#1234`). */
  incarnation?: string;
  /** The gateway's x-request-id, the key of its telemetry record. */
  requestId?: string;
  /** An error status's OpenAI error code (`rate_limited`, `no_endpoint_available`, ...). */
  errorCode?: string;
}

export interface SoakClientOptions {
  gateways: GatewayTarget[];
  model: string;
  /** The current pid of a gateway replica. */
  pidOf: (gateway: string) => number | undefined;
  /** Whether a gateway process was killed (by the chaos schedule). */
  killed: (pid: number) => boolean;
  timeoutMs: number;
  /** Send tenant keys (the gateways have auth on). */
  auth: boolean;
}

function refused(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === 'ECONNREFUSED' || e?.cause?.code === 'ECONNREFUSED';
}

/** Reads SSE events out of a byte stream: `[DONE]` and `{"error": ...}` are what the judge needs. */
class SseScan {
  private rest = '';
  done = false;
  error = false;
  chunks = 0;

  push(text: string): void {
    const events = (this.rest + text).split('\n\n');
    this.rest = events.pop() ?? '';
    for (const event of events) {
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') this.done = true;
        else {
          this.chunks++;
          try {
            if ((JSON.parse(data) as { error?: unknown }).error) this.error = true;
          } catch {
            // a malformed event is not an answer: without [DONE] the stream counts as truncated
          }
        }
      }
    }
  }
}

export class SoakClient {
  private readonly agent = new Agent({ connections: 512, pipelining: 1, keepAliveTimeout: 4000, connect: { timeout: 5000 } });
  private turn = 0;

  constructor(private readonly options: SoakClientOptions) {}

  async close(): Promise<void> {
    await this.agent.close();
  }

  async send(spec: RequestSpec): Promise<RequestResult> {
    const startMs = Date.now();
    const first = this.turn++ % this.options.gateways.length;
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const mine = new AbortController();
    const signal = AbortSignal.any([timeout, mine.signal]);
    const seen: Observed = { stream: spec.stream, sawDone: false, sawErrorEvent: false, completeBody: false, gatewayDied: false };
    let retried = false;
    let incarnation: string | undefined;
    let requestId: string | undefined;
    let pid: number | undefined;
    let errorCode: string | undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.auth) headers.authorization = `Bearer ${TENANTS[spec.tenant].key}`;
    const body = JSON.stringify(requestBody(spec, this.options.model));
    try {
      for (let attempt = 0; ; attempt++) {
        const gw = this.options.gateways[(first + attempt) % this.options.gateways.length];
        pid = this.options.pidOf(gw.name);
        incarnation = `${gw.name}#${pid}`;
        try {
          const res = await request(`${gw.url}${spec.path}`, { method: 'POST', dispatcher: this.agent, headers, body, signal, headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs });
          seen.status = res.statusCode;
          const id = res.headers['x-request-id'];
          requestId = Array.isArray(id) ? id[0] : id;
          if (seen.stream && res.statusCode === 200) {
            const scan = new SseScan();
            for await (const chunk of res.body) {
              scan.push((chunk as Buffer).toString());
              if (spec.abortAfterChunks !== undefined && scan.chunks >= spec.abortAfterChunks && !scan.done) {
                mine.abort();
                break;
              }
            }
            seen.sawDone = scan.done;
            seen.sawErrorEvent = scan.error;
            if (mine.signal.aborted) seen.failure = 'aborted';
          } else {
            const text = await res.body.text();
            try {
              const parsed = JSON.parse(text) as { choices?: unknown; error?: { code?: unknown; type?: unknown } };
              seen.completeBody = res.statusCode === 200 && Array.isArray(parsed.choices);
              if (res.statusCode >= 400) errorCode = String(parsed.error?.code ?? parsed.error?.type ?? 'unknown');
            } catch {
              seen.completeBody = false;
            }
          }
          break;
        } catch (err) {
          if (seen.status === undefined && refused(err) && attempt + 1 < this.options.gateways.length) {
            retried = true;
            continue;
          }
          throw err;
        }
      }
    } catch (err) {
      if (mine.signal.aborted) seen.failure = 'aborted';
      else if (timeout.aborted) seen.failure = 'timeout';
      else if (seen.status === undefined && refused(err)) seen.failure = 'refused';
      else seen.failure = 'reset';
    }
    seen.gatewayDied = pid !== undefined && this.options.killed(pid);
    return { spec, startMs, endMs: Date.now(), outcome: classify(seen), status: seen.status, retried, incarnation, requestId, errorCode };
  }
}
