// The load gauges of every pool label (what the autoscaler exported before it decided anything).
import { Counter, Gauge, Registry } from '@llmd/platform';
import type { PoolLoad, PoolLoadView } from './pool-load';

export function registerLoadGauges(registry: Registry, view: PoolLoadView): Counter {
  const registers = [registry];
  const labelNames = ['pool', 'model', 'role'] as const;
  const gauge = (name: string, help: string, pick: (p: PoolLoad) => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const p of view.pools(Date.now())) this.set({ pool: p.pool, model: p.model, role: p.role }, pick(p));
      },
    });
  gauge('llmd_autoscaler_pool_endpoints', 'Endpoints reporting load, per pool', (p) => p.endpoints);
  gauge('llmd_autoscaler_pool_waiting_requests', 'Waiting requests summed over the pool', (p) => p.waiting);
  gauge('llmd_autoscaler_pool_running_requests', 'Running requests summed over the pool', (p) => p.running);
  gauge('llmd_autoscaler_pool_kv_cache_usage', 'Mean KV-cache usage over the pool', (p) => p.meanKvCacheUsage);
  return new Counter({ name: 'llmd_autoscaler_load_records_total', help: 'Endpoint load records consumed', registers });
}
