// The requests in flight and their charges, keyed by request id, each with a lease in case its end is
// never reported. Plain data and a clock passed in: the scheduler runs it on Date.now, the simulator
// on its virtual clock. Applying a charge to an endpoint is the caller's (its data layer's) business.
import type { InFlightCharge } from './in-flight.policy';

interface Lease {
  charges: InFlightCharge[];
  expiresAt: number;
  /** Its first token was reported: the charges' prefill parts are already off. */
  prefilled?: boolean;
}

export class InFlightLedger {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly leaseMs: number) {}

  get size(): number {
    return this.leases.size;
  }

  /** Records a pick's charges; a request id already in flight first gives its old charges back (returned). */
  start(requestId: string, charges: InFlightCharge[], now: number): InFlightCharge[] {
    const replaced = this.complete(requestId) ?? [];
    this.leases.set(requestId, { charges, expiresAt: now + this.leaseMs });
    return replaced;
  }

  /** The charges to take off when a request ends; undefined when it was unknown (never picked, or expired). */
  complete(requestId: string): InFlightCharge[] | undefined {
    const lease = this.leases.get(requestId);
    if (!lease) return undefined;
    this.leases.delete(requestId);
    return lease.charges;
  }

  /**
   * The request's first token: its prefill charges are done (returned, to take off) and the rest stay
   * until it completes. Undefined when it was unknown or its first token was already reported.
   */
  firstToken(requestId: string): InFlightCharge[] | undefined {
    const lease = this.leases.get(requestId);
    if (!lease || lease.prefilled) return undefined;
    lease.prefilled = true;
    const done = lease.charges.filter((c) => c.prefillTokens > 0).map((c) => ({ endpointId: c.endpointId, requests: 0, tokens: 0, prefillTokens: c.prefillTokens }));
    lease.charges = lease.charges.map((c) => (c.prefillTokens > 0 ? { ...c, prefillTokens: 0 } : c));
    return done;
  }

  /** Ends every request whose lease ran out by `now`; returns their charges. */
  expire(now: number): InFlightCharge[][] {
    const out: InFlightCharge[][] = [];
    for (const [id, lease] of this.leases) {
      if (lease.expiresAt > now) continue;
      this.leases.delete(id);
      out.push(lease.charges);
    }
    return out;
  }
}
