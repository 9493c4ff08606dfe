// What the HPA remembers per target between syncs: the recent unstabilized recommendations (for the
// stabilization windows) and the recent scale events (for the rate limits).

/** A recommendation as the policy made it, before stabilization. */
export interface TimedRecommendation {
  atMs: number;
  replicas: number;
}

/** One applied change of the replica count. */
export interface ScaleEvent {
  atMs: number;
  /** Replicas added (scale-up) or removed (scale-down), positive. */
  change: number;
}

/** Recommendations and scale events within the longest window any rule looks at. */
export class ScalingHistory {
  readonly recommendations: TimedRecommendation[] = [];
  readonly scaleUps: ScaleEvent[] = [];
  readonly scaleDowns: ScaleEvent[] = [];

  /** Records an unstabilized recommendation. */
  recommend(atMs: number, replicas: number): void {
    this.recommendations.push({ atMs, replicas });
  }

  /** Records an applied change from `from` to `to` replicas. */
  scaled(atMs: number, from: number, to: number): void {
    if (to > from) this.scaleUps.push({ atMs, change: to - from });
    else if (to < from) this.scaleDowns.push({ atMs, change: from - to });
  }

  /** Forgets entries no rule can see any more (older than `horizonMs` before `nowMs`). */
  prune(nowMs: number, horizonMs: number): void {
    const cutoff = nowMs - horizonMs;
    for (const list of [this.recommendations, this.scaleUps, this.scaleDowns] as { atMs: number }[][]) {
      let keep = 0;
      while (keep < list.length && list[keep].atMs <= cutoff) keep++;
      list.splice(0, keep);
    }
  }
}

/** Replicas changed by events strictly after `nowMs - periodSeconds` (the HPA's getReplicasChangePerPeriod). */
export function changeInPeriod(events: readonly ScaleEvent[], nowMs: number, periodSeconds: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.atMs > cutoff) sum += e.change;
  return sum;
}
