// The scheduler's in-flight accounting in the simulator: libs/scoring's charges and ledger, applied
// to each simulated endpoint's load as the scheduler's data layer applies them to its registry.
import { applyCharge, InFlightCharge, inFlightCharges, InFlightLedger, InFlightLoad, NO_IN_FLIGHT_LOAD } from '@llmd/scoring';

/** The scheduler's default in-flight lease (LLMD_SCHEDULER_IN_FLIGHT_LEASE_MS). */
const LEASE_MS = 600_000;

export class DesInFlight {
  private readonly ledger = new InFlightLedger(LEASE_MS);
  private readonly loads = new Map<string, InFlightLoad>();

  load(endpointId: string): InFlightLoad {
    return this.loads.get(endpointId) ?? NO_IN_FLIGHT_LOAD;
  }

  /** A pick: its charges go on its endpoints until `complete`. */
  start(requestId: string, size: { promptTokens: number; maxTokens: number }, pick: { target: string; prefill?: string }, now: number): void {
    const charges = inFlightCharges(size, pick);
    this.apply(this.ledger.start(requestId, charges, now), -1);
    this.apply(charges, 1);
  }

  /** The gateway's first-token notice: the pick's prefill charges leave. */
  firstToken(requestId: string): void {
    const done = this.ledger.firstToken(requestId);
    if (done) this.apply(done, -1);
  }

  /** The gateway's Complete: false when the request was unknown. */
  complete(requestId: string): boolean {
    const charges = this.ledger.complete(requestId);
    if (!charges) return false;
    this.apply(charges, -1);
    return true;
  }

  private apply(charges: readonly InFlightCharge[], sign: 1 | -1): void {
    for (const c of charges) this.loads.set(c.endpointId, applyCharge(this.load(c.endpointId), c, sign));
  }
}
