// The last N scheduling decisions, for GET /debug/decisions on the ops port.
import type { PickOutcome } from './pick.service';

export interface Decision {
  at: string;
  requestId: string;
  model: string;
  profile: string;
  target?: string;
  prefill?: string;
  fallbacks: string[];
  breakdown: PickOutcome['breakdown'];
}

export class DecisionLog {
  private readonly ring: Decision[] = [];

  constructor(private readonly size: number) {}

  add(d: Decision): void {
    if (this.size === 0) return;
    this.ring.push(d);
    if (this.ring.length > this.size) this.ring.shift();
  }

  /** Newest first. */
  list(): Decision[] {
    return [...this.ring].reverse();
  }
}
