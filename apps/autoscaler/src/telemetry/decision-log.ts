// The last decisions of each pool, newest first: what GET /debug/decisions answers.
import type { ScalingDecisionRecord } from '@llmd/telemetry';

export class DecisionLog {
  private readonly byPool = new Map<string, ScalingDecisionRecord[]>();

  constructor(private readonly perPool: number) {}

  add(d: ScalingDecisionRecord): void {
    const key = `${d.namespace}/${d.pool}`;
    const list = this.byPool.get(key) ?? [];
    list.unshift(d);
    if (list.length > this.perPool) list.length = this.perPool;
    this.byPool.set(key, list);
  }

  forget(key: string): void {
    this.byPool.delete(key);
  }

  /** `{ "<namespace>/<pool>": [newest, ...] }`, pools in name order. */
  view(): Record<string, ScalingDecisionRecord[]> {
    return Object.fromEntries([...this.byPool.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v]]));
  }
}
