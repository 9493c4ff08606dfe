// Time as the kit sees it: injectable, so queues, limiters and electors are tested without waiting.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic enough for delays (Date.now in production). */
  now(): number;
  /** Runs fn after ms. */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

/** Resolves after ms on the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, ms));
}

/** One sleep at a time that another caller can cut short (stop() waking a loop that waits to retry). */
export class WakeableSleep {
  private sleeping: { timer: TimerHandle; wake: () => void } | undefined;

  constructor(private readonly clock: Clock) {}

  /** Resolves after ms, or at once when wake() is called meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        timer.cancel();
        resolve();
      };
      const timer = this.clock.setTimer(wake, Math.max(0, ms));
      this.sleeping = { timer, wake };
    });
  }

  wake(): void {
    this.sleeping?.wake();
  }
}
