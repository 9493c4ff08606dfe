// Samples every service's /metrics through the run: memory per process incarnation (heap used, RSS),
// and each gateway incarnation's own telemetry counts (records made, dropped, still buffered).
import type { MemorySeries } from './slope';
import { metricSum } from './metrics-text';

export interface SampledService {
  name: string;
  metricsUrl: string;
  pid: () => number | undefined;
  gateway: boolean;
}

export interface GatewayCounts {
  recorded: number;
  dropped: number;
  buffered: number;
  /** Requests it routed itself because the scheduler did not answer in time (or at all). */
  failOpen: number;
}

const TOPIC = 'llmd.request-metrics.v1';

export class ServiceSampler {
  /** By service, by incarnation (`name#pid`). */
  readonly memory = new Map<string, Map<string, MemorySeries>>();
  /** By gateway incarnation (`name#pid`): its last scraped counts. */
  readonly gateways = new Map<string, GatewayCounts>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly services: readonly SampledService[]) {}

  start(everyMs: number): void {
    const tick = () => {
      void this.sample().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, everyMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async sample(): Promise<void> {
    await Promise.all(this.services.map((s) => this.sampleOne(s)));
  }

  private async sampleOne(s: SampledService): Promise<void> {
    const pid = s.pid();
    if (pid === undefined) return;
    const text = await fetch(s.metricsUrl, { signal: AbortSignal.timeout(3000) }).then((r) => (r.ok ? r.text() : undefined)).catch(() => undefined);
    // A restarted process answers under a new pid: what it answers belongs to its incarnation.
    if (text === undefined || s.pid() !== pid) return;
    const key = `${s.name}#${pid}`;
    const atMs = Date.now();
    const heap = metricSum(text, 'nodejs_heap_size_used_bytes');
    const rss = metricSum(text, 'process_resident_memory_bytes');
    if (heap !== undefined && rss !== undefined) {
      const byPid = this.memory.get(s.name) ?? new Map<string, MemorySeries>();
      this.memory.set(s.name, byPid);
      const series = byPid.get(key) ?? { heap: [], rss: [] };
      byPid.set(key, series);
      series.heap.push({ atMs, value: heap });
      series.rss.push({ atMs, value: rss });
    }
    if (s.gateway) {
      this.gateways.set(key, {
        recorded: metricSum(text, 'llmd_gateway_requests_total') ?? 0,
        dropped: metricSum(text, 'llmd_telemetry_records_dropped_total', { topic: TOPIC }) ?? 0,
        buffered: metricSum(text, 'llmd_telemetry_buffered_records') ?? 0,
        failOpen: metricSum(text, 'llmd_gateway_fail_open_total') ?? 0,
      });
    }
  }
}
