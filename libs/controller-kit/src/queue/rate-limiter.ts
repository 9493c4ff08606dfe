// How long a failed key waits before its next try, as client-go's workqueue rate limiters decide it.
import { Clock, systemClock } from '../clock';

export interface RateLimiter {
  /** The delay before `item` may be retried; counts one more failure of it. */
  when(item: string): number;
  /** The item succeeded: its failure count starts over. */
  forget(item: string): void;
  numRequeues(item: string): number;
}

/** base * 2^failures, capped at max, per item. */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  when(item: string): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity for large n; the cap holds either way.
    return Math.min(this.baseMs * Math.pow(2, n), this.maxMs);
  }
  forget(item: string): void {
    this.failures.delete(item);
  }
  numRequeues(item: string): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * An overall token bucket (qps refill, burst capacity) shared by all items: each call reserves a token,
 * and the delay is how long until that token exists, as golang.org/x/time/rate's Reserve().Delay().
 */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;
  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_item?: string): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
  forget(_item?: string): void {
    // The bucket does not track items.
  }
  numRequeues(_item?: string): number {
    return 0;
  }
}

/** The longest delay of several limiters (every one of them counts the failure). */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }
  when(item: string): number {
    return this.limiters.reduce((max, l) => Math.max(max, l.when(item)), 0);
  }
  forget(item: string): void {
    for (const l of this.limiters) l.forget(item);
  }
  numRequeues(item: string): number {
    return this.limiters.reduce((max, l) => Math.max(max, l.numRequeues(item)), 0);
  }
}

/** client-go's DefaultControllerRateLimiter: max(per item 5 ms * 2^n up to 1000 s, overall 10 qps burst 100). */
export function defaultControllerRateLimiter(clock: Clock = systemClock): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(5, 1000 * 1000), new BucketRateLimiter(10, 100, clock));
}
