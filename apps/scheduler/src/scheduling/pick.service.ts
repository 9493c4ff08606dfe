// Runs one scheduling cycle for a request over the current candidates and records the in-flight pick.
import type { Endpoint, Scheduler, SchedulingRequest } from '@llmd/scoring';
import type { Counter } from 'prom-client';
import type { EndpointRegistry } from '../datalayer/endpoint-registry';
import type { InFlightTracker } from '../datalayer/in-flight-tracker';

export interface PickOutcome {
  target?: Endpoint;
  prefill?: Endpoint;
  fallbacks: Endpoint[];
  profile: string;
}

export class PickService {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly registry: EndpointRegistry,
    private readonly inFlight: InFlightTracker,
    private readonly picks: Counter<'result'>,
  ) {}

  async pick(request: SchedulingRequest): Promise<PickOutcome> {
    const result = await this.scheduler.schedule(request, this.registry.candidates());
    const primary = result.profileResults[result.primaryProfile]?.targets ?? [];
    const prefillProfile = Object.keys(result.profileResults).find((p) => p !== result.primaryProfile);
    const prefill = prefillProfile ? result.profileResults[prefillProfile].targets[0] : undefined;
    const [target, ...fallbacks] = primary;
    if (!target) {
      this.picks.inc({ result: 'no_endpoint' });
      return { fallbacks: [], profile: result.primaryProfile };
    }
    this.inFlight.start(request.requestId, prefill ? [target.id, prefill.id] : [target.id]);
    this.picks.inc({ result: prefill ? 'disaggregated' : 'unified' });
    return { target, prefill, fallbacks, profile: Object.keys(result.profileResults).join(',') };
  }

  complete(requestId: string): boolean {
    return this.inFlight.complete(requestId);
  }

  endpoints(): Endpoint[] {
    return this.registry.snapshot();
  }
}
