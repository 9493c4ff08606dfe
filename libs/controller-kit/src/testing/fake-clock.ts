// A clock that moves only when a test says so: timers fire in time order, with promise callbacks
// allowed to run between them, so backoff and lease timing are tested without waiting.
import type { Clock, TimerHandle } from '../clock';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Lets every pending promise callback (and the I/O-free work they start) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Delays of the timers waiting now, from the present, in firing order. */
  pendingDelays(): number[] {
    return this.live()
      .map((t) => t.at - this.t)
      .sort((a, b) => a - b);
  }

  /** Moves time forward by ms, firing the timers that come due, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.live()
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await settle();
  }

  private live(): Timer[] {
    this.timers = this.timers.filter((t) => !t.cancelled);
    return this.timers;
  }
}
