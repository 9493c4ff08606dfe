// The requests in flight and their charges, keyed by request id, each with a lease in case its end is
// never reported. Plain data and a clock passed in: the scheduler runs it on Date.now, the simulator
// on its virtual clock. Applying a charge to an endpoint is the caller's (its data layer's) business.
import type { InFlightCharge } from './in-flight.policy';

interface Lease {
  charges: InFlightCharge[];
  expiresAt: number;
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
