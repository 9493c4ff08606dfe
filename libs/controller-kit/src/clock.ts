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
