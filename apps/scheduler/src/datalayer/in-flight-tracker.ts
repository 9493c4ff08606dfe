// Counts requests the scheduler picked and that have not completed, so a burst between two scrapes
// is seen at once. An entry expires after a lease in case the gateway never reports completion.
import type { EndpointRegistry } from './endpoint-registry';

interface Lease {
  endpointIds: string[];
  tokens: number;
  expiresAt: number;
}

export class InFlightTracker {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly registry: EndpointRegistry,
    private readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a picked request on its endpoints, with its estimated tokens (prompt + max completion). */
  start(requestId: string, endpointIds: string[], tokens = 0): void {
    this.complete(requestId);
    this.leases.set(requestId, { endpointIds, tokens, expiresAt: this.now() + this.leaseMs });
    for (const id of endpointIds) this.registry.addInFlight(id, 1, tokens);
  }

  /** Returns false when the request was unknown (never picked, or already expired). */
  complete(requestId: string): boolean {
    const lease = this.leases.get(requestId);
    if (!lease) return false;
    this.leases.delete(requestId);
    for (const id of lease.endpointIds) this.registry.addInFlight(id, -1, lease.tokens);
    return true;
  }

  expire(): number {
    const now = this.now();
    let n = 0;
    for (const [id, lease] of this.leases) {
      if (lease.expiresAt <= now) {
        this.complete(id);
        n++;
      }
    }
    return n;
  }

  size(): number {
    return this.leases.size;
  }
}
