// A crashed container (or a service of the local stack) is restarted after a back-off, as the kubelet
// does: 10 s, doubling to 5 min, forgotten once the container has run 10 min without exiting. The
// unit is scaled (tests and the local stack use a shorter base) but the shape is the kubelet's.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Running this long without an exit resets the back-off. */
  resetAfterMs: number;
}

export const KUBELET_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** `tools/llmd up`'s: the kubelet's shape at a tenth of its unit (processes here start in seconds). */
export const LOCAL_STACK_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

/** The delay before restart number `restarts` (1-based), given how long the last run lasted. */
export function restartDelay(policy: BackoffPolicy, restarts: number, lastRunMs: number): { delayMs: number; restarts: number } {
  const effective = lastRunMs >= policy.resetAfterMs ? 1 : restarts;
  return { delayMs: Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, effective - 1)), restarts: effective };
}
