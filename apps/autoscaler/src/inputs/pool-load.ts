// The autoscaler's load input: the newest snapshot of every endpoint (silent ones expire), per endpoint
// for the policies and summed per pool label (model + role) for the load gauges.
import type { EndpointLoadRecord } from '@llmd/telemetry';

export interface PoolLoad {
  pool: string;
  model: string;
  role: string;
  endpoints: number;
  waiting: number;
  running: number;
  meanKvCacheUsage: number;
}

export class PoolLoadView {
  private readonly latest = new Map<string, EndpointLoadRecord>();

  constructor(private readonly ttlMs: number) {}

  /** Keeps the newest snapshot per endpoint (older, out-of-order ones are ignored). */
  observe(r: EndpointLoadRecord): void {
    const prev = this.latest.get(r.endpointId);
    if (!prev || prev.timestampUnixMs <= r.timestampUnixMs) this.latest.set(r.endpointId, r);
  }

  /** The newest snapshot of each endpoint heard from within the TTL. */
  snapshots(nowMs: number): EndpointLoadRecord[] {
    const live: EndpointLoadRecord[] = [];
    for (const [id, r] of this.latest) {
      if (nowMs - r.timestampUnixMs > this.ttlMs) this.latest.delete(id);
      else live.push(r);
    }
    return live;
  }

  pools(nowMs: number): PoolLoad[] {
    const out = new Map<string, PoolLoad>();
    for (const r of this.snapshots(nowMs)) {
      const key = `${r.pool}|${r.model}|${r.role}`;
      const p = out.get(key) ?? { pool: r.pool, model: r.model, role: r.role, endpoints: 0, waiting: 0, running: 0, meanKvCacheUsage: 0 };
      p.meanKvCacheUsage = (p.meanKvCacheUsage * p.endpoints + r.kvCacheUsage) / (p.endpoints + 1);
      p.endpoints++;
      p.waiting += r.waiting;
      p.running += r.running;
      out.set(key, p);
    }
    return [...out.values()];
  }
}
