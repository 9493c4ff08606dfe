// Flow control: when every candidate is saturated, a request waits in a priority queue (fair
// round-robin between fairness ids) until an endpoint has room or its deadline nears; sheddable
// requests (negative priority) are refused at once. Nothing waits forever, nothing is dropped
// silently: every refusal has a reason the gateway turns into a 429.
import { FairPriorityQueue, isSaturated } from '@llmd/scoring';
import type { Counter } from 'prom-client';

export interface FlowControlOptions {
  enabled: boolean;
  queueDepthThreshold: number;
  kvCacheUsageThreshold: number;
  /** Requests held at most; past it new ones are refused (queue-full). */
  maxQueueSize: number;
  /** Longest hold when the caller set no deadline. */
  maxWaitMs: number;
  /** Named objectives and their priorities (higher first; negative = sheddable). */
  objectives: Record<string, number>;
}

export type Admission = { admitted: true } | { admitted: false; reason: 'saturated-sheddable' | 'queue-full' | 'queue-timeout' };

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

  /** Endpoints with room right now (not saturated). */
  private roomy(): number {
    return this.countCandidates((load) => !isSaturated(load, this.options));
  }

  /** Healthy endpoints, saturated or not. */
  private healthy(): number {
    return this.countCandidates(() => true);
  }

  /**
   * Admits at once while some endpoint has room and nobody is queued; otherwise queues or refuses.
   * With no healthy endpoint at all there is nothing to wait for: the request goes on, and the
   * scheduling cycle answers that no endpoint can serve it (503), not that all are saturated (429).
   */
  admit(priority: number, fairnessId: string, deadline: Date | undefined): Promise<Admission> {
    if (!this.options.enabled) return Promise.resolve({ admitted: true });
    if (this.queue.size === 0 && this.roomy() > 0) {
      this.outcomes.inc({ outcome: 'admitted' });
      return Promise.resolve({ admitted: true });
    }
    if (this.healthy() === 0) {
      this.outcomes.inc({ outcome: 'no-endpoint' });
      this.dispatch();
      return Promise.resolve({ admitted: true });
    }
    if (priority < 0) return Promise.resolve(this.refuse('saturated-sheddable'));
    if (this.queue.size >= this.options.maxQueueSize) return Promise.resolve(this.refuse('queue-full'));
    // Leave the caller time to act on the answer before its own deadline.
    const waitMs = Math.max(0, Math.min(this.options.maxWaitMs, deadline ? deadline.getTime() - Date.now() - 20 : this.options.maxWaitMs));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          if (this.queue.remove(waiter)) resolve(this.refuse('queue-timeout'));
        }, waitMs),
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
    if (this.healthy() === 0) {
      for (let w = this.queue.pop(); w; w = this.queue.pop()) {
        clearTimeout(w.timer);
        this.outcomes.inc({ outcome: 'no-endpoint' });
        w.resolve({ admitted: true });
      }
      return;
    }
    for (let room = this.roomy(); room > 0; room--) {
      const w = this.queue.pop();
      if (!w) return;
      clearTimeout(w.timer);
      this.outcomes.inc({ outcome: 'dequeued' });
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

  private refuse(reason: 'saturated-sheddable' | 'queue-full' | 'queue-timeout'): Admission {
    this.outcomes.inc({ outcome: reason });
    return { admitted: false, reason };
  }
}
