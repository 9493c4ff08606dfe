// Dynamo's planner correction: the ratio of observed to model-predicted latency at the current
// load, clamped and smoothed, multiplies the model's latency when sizing.

/** Lowest correction factor (the tables may overstate latency at most twofold). */
export const CORRECTION_MIN = 0.5;
/** Highest correction factor (the tables may understate latency at most threefold). */
export const CORRECTION_MAX = 3;
/** Weight of a new observation in the smoothed factor. */
export const CORRECTION_ALPHA = 0.3;
/** Fewest finished requests in the window for an observation to count. */
export const CORRECTION_MIN_SAMPLES = 5;

/** One smoothed correction factor, starting at 1 (the tables are right). */
export class LatencyCorrection {
  private value = 1;

  /** The current factor: observed / predicted latency, smoothed. */
  get factor(): number {
    return this.value;
  }

  /** Folds in observed/predicted (ignored when either is not a positive finite number). */
  observe(observedMs: number, predictedMs: number): void {
    if (!(observedMs > 0) || !(predictedMs > 0) || !Number.isFinite(observedMs) || !Number.isFinite(predictedMs)) return;
    const ratio = Math.min(CORRECTION_MAX, Math.max(CORRECTION_MIN, observedMs / predictedMs));
    this.value = Math.min(CORRECTION_MAX, Math.max(CORRECTION_MIN, (1 - CORRECTION_ALPHA) * this.value + CORRECTION_ALPHA * ratio));
  }
}
