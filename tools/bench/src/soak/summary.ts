// The soak's verdict: the one JSON line it ends with, and the invariants that decide its exit code.
import type { FaultImpact, Outcome } from './outcome';
import type { MemoryVerdict } from './slope';

export interface TelemetryCount {
  /** The gateways' own count of request records (llmd_gateway_requests_total), incarnations alive at the end. */
  recorded: number;
  /** Records the gateways' bounded buffers dropped, counted by them (allowed, reported apart). */
  dropped: number;
  /** Records of those incarnations that arrived on llmd.request-metrics.v1. */
  arrived: number;
  /** Records on the topic that no client request knew (answered after the client gave up). */
  unattributed: number;
  /** Records of killed gateway incarnations the client saw an id for but the topic never got (in their memory at the kill). */
  lostOnKill: number;
}

export interface SoakFacts {
  seed: number;
  durationS: number;
  capacityRps: number;
  rateRps: number;
  outcomes: Record<Outcome, number>;
  retried: number;
  /** Explicit error statuses by `<status> <code>`. */
  errors: Record<string, number>;
  /** Requests refused 429 by tenant; null when the run sends no tenant keys (a gateway without auth). */
  tenant429: { steady: number; greedy: number } | null;
  telemetry: TelemetryCount;
  /** In-flight leases the scheduler still holds after draining. */
  leasesHeld: number | null;
  /** Leases a killed gateway left (its requests never completed) and the scheduler keeps until lease expiry. */
  leasesOrphanedByGatewayKill: number;
  /** Requests the gateways routed themselves (scheduler late or down), over every incarnation. */
  failOpen: number;
  /** The KV index against the pods' true block pools; null when the truth could not be read. */
  indexAccurate: boolean | null;
  indexDetail: string;
  memory: Record<string, MemoryVerdict>;
  faults: (FaultImpact & { kind: string; target: string; atS: number })[];
  faultErrors: string[];
  netem: string;
}

export interface Summary {
  requests: number;
  lost: number;
  hung: number;
  telemetryLost: number;
  leasesLeft: number | null;
  indexAccurate: boolean | null;
  [key: string]: unknown;
}

export function telemetryLost(t: TelemetryCount): number {
  return Math.max(0, t.recorded - t.dropped - t.arrived - t.unattributed);
}

export function summarize(f: SoakFacts): { summary: Summary; failures: string[] } {
  const requests = Object.values(f.outcomes).reduce((a, b) => a + b, 0);
  const leasesLeft = f.leasesHeld === null ? null : Math.max(0, f.leasesHeld - f.leasesOrphanedByGatewayKill);
  const lost = telemetryLost(f.telemetry);
  const leaks = Object.entries(f.memory).filter(([, v]) => v.leak === true).map(([s]) => s);
  const failures = [
    f.outcomes.lost > 0 && `${f.outcomes.lost} request(s) lost (truncated without an error event, or reset without status)`,
    f.outcomes.hung > 0 && `${f.outcomes.hung} request(s) hung past their timeout`,
    f.outcomes.unreachable > 0 && `${f.outcomes.unreachable} request(s) found neither gateway accepting connections`,
    lost > 0 && `${lost} telemetry record(s) lost outside the bounded buffer`,
    leasesLeft === null && 'the scheduler\'s in-flight leases could not be read',
    leasesLeft !== null && leasesLeft > 0 && `${leasesLeft} in-flight lease(s) left in the scheduler after draining`,
    f.indexAccurate !== true && `the KV index ${f.indexAccurate === false ? 'did not match' : 'could not be checked against'} the pods' block pools: ${f.indexDetail}`,
    f.tenant429 !== null && f.tenant429.greedy === 0 && 'the over-limit tenant got no 429',
    leaks.length > 0 && `memory grows past the bound in ${leaks.join(', ')}`,
    ...f.faultErrors.map((e) => `a fault could not be applied: ${e}`),
  ].filter((x): x is string => typeof x === 'string');
  const summary: Summary = {
    requests,
    lost: f.outcomes.lost,
    hung: f.outcomes.hung,
    telemetryLost: lost,
    leasesLeft,
    indexAccurate: f.indexAccurate,
    ok: failures.length === 0,
    seed: f.seed,
    durationS: f.durationS,
    capacityRps: f.capacityRps,
    rateRps: f.rateRps,
    outcomes: f.outcomes,
    retried: f.retried,
    errors: f.errors,
    failOpen: f.failOpen,
    tenant429: f.tenant429,
    telemetry: { ...f.telemetry, lost },
    leasesHeld: f.leasesHeld,
    leasesOrphanedByGatewayKill: f.leasesOrphanedByGatewayKill,
    memory: f.memory,
    faults: f.faults,
    netem: f.netem,
    failures,
  };
  return { summary, failures };
}
