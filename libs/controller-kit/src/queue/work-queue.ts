// A de-duplicating work queue of keys, as client-go's rate-limiting workqueue: a key waiting is held
// once however often it is added; a key being processed is never handed out again until done(), and
// one added meanwhile is queued again at done(). Delayed and rate-limited adds wait on a clock.
import { Clock, systemClock, TimerHandle } from '../clock';
import { defaultControllerRateLimiter, RateLimiter } from './rate-limiter';

/** What the queue reports for workqueue_* metrics. */
export interface WorkQueueMetrics {
  added(): void;
  depth(n: number): void;
  retried(): void;
  /** Seconds a key waited between add and get. */
  queued(seconds: number): void;
  /** Seconds between get and done. */
  worked(seconds: number): void;
}

export interface WorkQueueOptions {
  /** @default defaultControllerRateLimiter() */
  rateLimiter?: RateLimiter;
  /** @default the system clock */
  clock?: Clock;
  metrics?: WorkQueueMetrics;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys waiting to be processed (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: TimerHandle }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly drained: (() => void)[] = [];
  private shuttingDown = false;
  private readonly rateLimiter: RateLimiter;
  private readonly clock: Clock;
  private readonly metrics?: WorkQueueMetrics;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter(this.clock);
    this.metrics = options.metrics;
  }

  /** Keys ready to be handed out (not the delayed ones, nor those being processed). */
  get length(): number {
    return this.queue.length;
  }

  /** Seconds each key in process has been at it, on the queue's clock. */
  inFlightSeconds(): number[] {
    const now = this.clock.now();
    return [...this.startedAt.values()].map((t) => (now - t) / 1000);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.added();
    this.dirty.add(key);
    this.addedAt.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds the key after ms; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    this.metrics?.retried();
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.timer.cancel();
    const timer = this.clock.setTimer(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Adds the key after the rate limiter's delay for it (one more failure). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** The key succeeded: its backoff starts over. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key, once there is one; undefined once the queue is shut down and empty. */
  get(): Promise<string | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of the key ended; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics?.worked((this.clock.now() - started) / 1000);
    if (this.dirty.has(key)) this.push(key);
    this.checkDrained();
  }

  /** New adds are ignored, delayed ones dropped; keys already queued are still handed out, then get() returns undefined. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    for (const wake of this.waiters.splice(0)) wake(undefined);
    this.checkDrained();
  }

  /** shutDown(), then resolves once every queued key has been handed out and every key in process is done. */
  shutDownWithDrain(): Promise<void> {
    const drained = new Promise<void>((resolve) => this.drained.push(resolve));
    this.shutDown();
    this.checkDrained();
    return drained;
  }

  private push(key: string): void {
    const wake = this.waiters.shift();
    if (wake) {
      this.queue.push(key);
      wake(this.take());
    } else {
      this.queue.push(key);
      this.metrics?.depth(this.queue.length);
    }
  }

  private take(): string {
    const key = this.queue.shift() as string;
    this.metrics?.depth(this.queue.length);
    this.processing.add(key);
    this.dirty.delete(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics?.queued((this.clock.now() - added) / 1000);
    this.startedAt.set(key, this.clock.now());
    return key;
  }

  private checkDrained(): void {
    if (this.shuttingDown && this.queue.length === 0 && this.processing.size === 0) for (const resolve of this.drained.splice(0)) resolve();
  }
}
