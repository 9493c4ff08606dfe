// How each soak request ended, and what each fault did to the requests around it. Pure: the client
// records what it saw, these functions judge it.

/** What the client saw of one request. */
export interface Observed {
  /** HTTP status, when a status line arrived. */
  status?: number;
  stream: boolean;
  /** A stream's `data: [DONE]` arrived. */
  sawDone: boolean;
  /** A stream carried an `{"error": ...}` event. */
  sawErrorEvent: boolean;
  /** A non-streamed 200 body parsed as a completion. */
  completeBody: boolean;
  /** How the exchange failed at the transport, if it did. */
  failure?: 'reset' | 'timeout' | 'refused' | 'aborted';
  /** The gateway process that held the connection died while it was open. */
  gatewayDied: boolean;
}

export type Outcome =
  /** A whole answer. */
  | 'answered'
  /** A stream ended by an in-band error event. */
  | 'sse-error'
  | 'http-4xx'
  | 'http-5xx'
  /** Ended by the client on purpose (a mid-stream abort). */
  | 'aborted'
  /** Cut without status or error event because the gateway process holding it was killed. */
  | 'severed'
  /** Neither gateway accepted the connection. */
  | 'unreachable'
  /** No answer within the request's timeout. */
  | 'hung'
  /** Truncated without an error event, or reset without status, by a gateway that lived on. */
  | 'lost';

export const OUTCOMES: readonly Outcome[] = ['answered', 'sse-error', 'http-4xx', 'http-5xx', 'aborted', 'severed', 'unreachable', 'hung', 'lost'];

export function classify(o: Observed): Outcome {
  if (o.failure === 'aborted') return 'aborted';
  if (o.failure === 'timeout') return 'hung';
  if (o.failure === 'refused') return 'unreachable';
  if (o.status !== undefined && o.status >= 500) return 'http-5xx';
  if (o.status !== undefined && o.status >= 400) return 'http-4xx';
  if (o.sawErrorEvent) return 'sse-error';
  if (o.status === 200 && !o.failure && (o.stream ? o.sawDone : o.completeBody)) return 'answered';
  return o.gatewayDied ? 'severed' : 'lost';
}

/** One finished request, as the fault report reads it. */
export interface Finished {
  startMs: number;
  endMs: number;
  outcome: Outcome;
  /** Went to the other gateway after a refused connection. */
  retried: boolean;
}

export interface FaultWindow {
  atMs: number;
  /** When the target was serving again (ready after its restart, broker answering); undefined if never. */
  backAtMs?: number;
}

export interface FaultImpact {
  /** In flight when the fault hit, or started before the target was back. */
  affected: number;
  outcomes: Partial<Record<Outcome, number>>;
  retried: number;
  /** Fault to target serving again. */
  backMs: number | null;
  /** Fault to the end of the last affected request that did not end answered (or aborted on purpose). */
  errorsForMs: number;
  /** The larger of the two: when both the target and the clients had recovered. */
  recoverMs: number | null;
}

export function faultImpact(fault: FaultWindow, requests: readonly Finished[]): FaultImpact {
  const until = fault.backAtMs ?? Infinity;
  const hit = requests.filter((r) => (r.startMs <= fault.atMs && r.endMs >= fault.atMs) || (r.startMs > fault.atMs && r.startMs <= until));
  const outcomes: Partial<Record<Outcome, number>> = {};
  for (const r of hit) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const failed = hit.filter((r) => r.outcome !== 'answered' && r.outcome !== 'aborted' && !(r.outcome === 'http-4xx'));
  const errorsForMs = failed.reduce((m, r) => Math.max(m, r.endMs - fault.atMs), 0);
  const backMs = fault.backAtMs === undefined ? null : fault.backAtMs - fault.atMs;
  return { affected: hit.length, outcomes, retried: hit.filter((r) => r.retried).length, backMs, errorsForMs, recoverMs: backMs === null ? null : Math.max(backMs, errorsForMs) };
}

/** Outcomes over the whole run. */
export function tally(requests: readonly Finished[]): Record<Outcome, number> {
  const t = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of requests) t[r.outcome]++;
  return t;
}
