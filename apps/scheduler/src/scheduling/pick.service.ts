// Runs one scheduling cycle for a request over the current candidates and records the in-flight pick.
import type { Endpoint, Scheduler, SchedulingRequest } from '@llmd/scoring';
import type { Counter } from 'prom-client';
import type { EndpointRegistry } from '../datalayer/endpoint-registry';
import type { InFlightTracker } from '../datalayer/in-flight-tracker';
import type { DecisionLog } from './decision-log';

export interface PickOutcome {
  target?: Endpoint;
  prefill?: Endpoint;
  fallbacks: Endpoint[];
  profile: string;
  breakdown: { profile: string; endpointId: string; total: number; scores: Record<string, number> }[];
}

export class PickService {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly registry: EndpointRegistry,
    private readonly inFlight: InFlightTracker,
    private readonly picks: Counter<'result'>,
    private readonly decisions: DecisionLog,
    /** Each scheduling profile that ran, by whether it found an endpoint (decisions by profile). */
    private readonly profileRuns?: Counter<'profile' | 'result'>,
  ) {}

  /** `eligible`: the caller's own restriction of the candidates (an Envoy gateway's subset hint). */
  async pick(request: SchedulingRequest, eligible?: (e: Endpoint) => boolean): Promise<PickOutcome> {
    // The candidates are read after the index lookups, so picks made meanwhile are counted in flight.
    const result = await this.scheduler.schedule(request, () => (eligible ? this.registry.candidates().filter(eligible) : this.registry.candidates()));
    const primary = result.profileResults[result.primaryProfile];
    const prefillProfile = Object.keys(result.profileResults).find((p) => p !== result.primaryProfile);
    const prefill = prefillProfile ? result.profileResults[prefillProfile].targets[0] : undefined;
    const [target, ...fallbacks] = primary?.targets ?? [];
    const breakdown = Object.entries(result.profileResults).flatMap(([profile, r]) =>
      Object.entries(r.breakdown ?? {}).map(([endpointId, b]) => ({ profile, endpointId, total: b.total, scores: { ...b.scores } })),
    );
    for (const [profile, r] of Object.entries(result.profileResults)) this.profileRuns?.inc({ profile, result: r.targets.length ? 'picked' : 'none' });
    const outcome: PickOutcome = { target, prefill, fallbacks, profile: Object.keys(result.profileResults).join(','), breakdown };
    this.decisions.add({ at: new Date().toISOString(), requestId: request.requestId, model: request.model, profile: outcome.profile, target: target?.id, prefill: prefill?.id, fallbacks: fallbacks.map((f) => f.id), breakdown });
    if (!target) {
      this.picks.inc({ result: 'no_endpoint' });
      return outcome;
    }
    this.inFlight.start(request, { target: target.id, prefill: prefill?.id });
    this.picks.inc({ result: prefill ? 'disaggregated' : 'unified' });
    return outcome;
  }

  /**
   * The request was served by another endpoint than its target (the proxy moved on to a fallback):
   * its in-flight charge moves there. Returns that endpoint's id; undefined when no endpoint has that
   * address or it is the target.
   */
  served(request: SchedulingRequest, pick: { target: string; prefill?: string }, address: string): string | undefined {
    const served = this.registry.snapshot().find((e) => e.address === address);
    if (!served || served.id === pick.target) return undefined;
    this.inFlight.complete(request.requestId);
    this.inFlight.start(request, { target: served.id, prefill: pick.prefill });
    return served.id;
  }

  complete(requestId: string): boolean {
    return this.inFlight.complete(requestId);
  }

  /** The request's first token arrived: its prefill work leaves its pod's load. */
  firstToken(requestId: string): boolean {
    return this.inFlight.firstToken(requestId);
  }

  endpoints(): Endpoint[] {
    return this.registry.snapshot();
  }
}
