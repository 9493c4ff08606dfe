// Flow control: when every candidate is saturated, a request waits in a priority queue (fair
// round-robin between fairness ids) until an endpoint has room or its deadline nears; sheddable
// requests (negative priority) are refused at once. Nothing waits forever, nothing is dropped
// silently: every refusal has a reason the gateway turns into a 429. The decisions are libs/scoring's
// flow-control policy (the routing simulator runs the same); this class holds the callers and timers.
import { decideAdmission, FairPriorityQueue, FleetRoom, FlowControlPolicy, isSaturated, RefusalReason, releaseHeld } from '@llmd/scoring';
import type { Counter } from 'prom-client';

export interface FlowControlOptions extends FlowControlPolicy {
  /** Named objectives and their priorities (higher first; negative = sheddable). */
  objectives: Record<string, number>;
}

export type Admission = { admitted: true } | { admitted: false; reason: RefusalReason };

interface Waiter {
  resolve: (a: Admission) => void;
  timer: NodeJS.Timeout;
}

export class FlowController {
  private readonly queue = new FairPriorityQueue<Waiter>();

  constructor(
    private readonly options: FlowControlOptions,
    /** Healthy endpoints whose load passes the given test (the data layer's count). */
    private readonly countCandidates: (keep: (load: { waiting: number; kvCacheUsage: number }) => boolean) => number,
    private readonly outcomes: Counter<'outcome'>,
  ) {}

  get queued(): number {
    return this.queue.size;
  }

  priorityOf(objective: string | undefined, fallback: number): number {
    return objective && objective in this.options.objectives ? this.options.objectives[objective] : fallback;
  }

  /** Healthy endpoints, and those of them with room right now (not saturated). */
  private fleet(): FleetRoom {
    return { healthy: this.countCandidates(() => true), roomy: this.countCandidates((load) => !isSaturated(load, this.options)) };
  }

  /**
   * Admits at once while some endpoint has room and nobody is queued; otherwise queues or refuses.
   * With no healthy endpoint at all there is nothing to wait for: the request goes on, and the
   * scheduling cycle answers that no endpoint can serve it (503), not that all are saturated (429).
   */
  admit(priority: number, fairnessId: string, deadline: Date | undefined): Promise<Admission> {
    if (!this.options.enabled) return Promise.resolve({ admitted: true });
    const decision = decideAdmission(this.options, { priority, queued: this.queue.size, fleet: this.fleet(), deadlineInMs: deadline ? deadline.getTime() - Date.now() : undefined });
    if (decision.kind === 'refuse') return Promise.resolve(this.refuse(decision.reason));
    if (decision.kind === 'admit') {
      this.outcomes.inc({ outcome: decision.reason === 'no-endpoint' ? 'no-endpoint' : 'admitted' });
      if (decision.reason === 'no-endpoint') this.dispatch();
      return Promise.resolve({ admitted: true });
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          if (this.queue.remove(waiter)) resolve(this.refuse('queue-timeout'));
        }, decision.waitMs),
      };
      this.queue.push(waiter, priority, fairnessId);
      this.outcomes.inc({ outcome: 'queued' });
    });
  }

  /**
   * Lets queued requests go, one per endpoint with room; called on every scrape and completion. When
   * the last healthy endpoint went away, every held request goes (to be told no endpoint can serve it).
   */
  dispatch(): void {
    if (this.queue.size === 0) return;
    const release = releaseHeld(this.queue.size, this.fleet());
    for (let n = release.count; n > 0; n--) {
      const w = this.queue.pop();
      if (!w) return;
      clearTimeout(w.timer);
      this.outcomes.inc({ outcome: release.reason });
      w.resolve({ admitted: true });
    }
  }

  /** Refuses everything still queued (shutdown). */
  drain(): void {
    for (let w = this.queue.pop(); w; w = this.queue.pop()) {
      clearTimeout(w.timer);
      w.resolve(this.refuse('queue-timeout'));
    }
  }

  private refuse(reason: RefusalReason): Admission {
    this.outcomes.inc({ outcome: reason });
    return { admitted: false, reason };
  }
}
