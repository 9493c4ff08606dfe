// The autoscaler's input: the latest load of every endpoint, summed per pool (model + role).
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

  pools(nowMs: number): PoolLoad[] {
    const out = new Map<string, PoolLoad>();
    for (const [id, r] of this.latest) {
      if (nowMs - r.timestampUnixMs > this.ttlMs) {
        this.latest.delete(id);
        continue;
      }
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
