// Counts requests the scheduler picked and that have not completed, so a burst between two scrapes
// is seen at once. What a pick charges each endpoint, and when it leaves, is libs/scoring's in-flight
// policy (the routing simulator runs the same); this class applies it to the endpoint registry.
import { InFlightCharge, inFlightCharges, InFlightLedger, inFlightSize, type SchedulingRequest } from '@llmd/scoring';
import type { EndpointRegistry } from './endpoint-registry';

export class InFlightTracker {
  private readonly ledger: InFlightLedger;

  constructor(
    private readonly registry: EndpointRegistry,
    leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ledger = new InFlightLedger(leaseMs);
  }

  /** Counts a picked request on its target (and its prefill endpoint, when disaggregated) until it completes. */
  start(request: SchedulingRequest, pick: { target: string; prefill?: string }): void {
    const charges = inFlightCharges(inFlightSize(request), pick);
    this.apply(this.ledger.start(request.requestId, charges, this.now()), -1);
    this.apply(charges, 1);
  }

  /** The request's first token (its caller reports it): its prefill work leaves; the rest stays until it completes. */
  firstToken(requestId: string): boolean {
    const done = this.ledger.firstToken(requestId);
    if (!done) return false;
    this.apply(done, -1);
    return true;
  }

  /** Returns false when the request was unknown (never picked, or already expired). */
  complete(requestId: string): boolean {
    const charges = this.ledger.complete(requestId);
    if (!charges) return false;
    this.apply(charges, -1);
    return true;
  }

  expire(): number {
    const expired = this.ledger.expire(this.now());
    for (const charges of expired) this.apply(charges, -1);
    return expired.length;
  }

  size(): number {
    return this.ledger.size;
  }

  private apply(charges: readonly InFlightCharge[], sign: 1 | -1): void {
    for (const c of charges) this.registry.applyInFlight(c, sign);
  }
}
