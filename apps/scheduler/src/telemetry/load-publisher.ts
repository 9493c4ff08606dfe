// Publishes an llmd.endpoint-load.v1 snapshot per endpoint on an interval (buffered; never blocks picks).
import type { BufferedProducer } from '@llmd/platform';
import { endpointLoadCodec, recordHeaders } from '@llmd/telemetry';
import type { EndpointRegistry } from '../datalayer/endpoint-registry';
import type { ScrapedCounters } from '../datalayer/parse-prometheus';

interface Sample {
  atMs: number;
  counters: ScrapedCounters;
}

/** Hit rate and token rates between two counter samples (0 when the counters went back, e.g. a pod restart). */
export function ratesBetween(prev: Sample | undefined, cur: Sample) {
  if (!prev || cur.atMs <= prev.atMs) return { hitRate: 0, promptPerS: 0, genPerS: 0 };
  const d = (k: keyof ScrapedCounters) => Math.max(0, cur.counters[k] - prev.counters[k]);
  const secs = (cur.atMs - prev.atMs) / 1000;
  const queries = d('prefixQueries');
  return { hitRate: queries > 0 ? d('prefixHits') / queries : 0, promptPerS: d('promptTokens') / secs, genPerS: d('generationTokens') / secs };
}

export class LoadPublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly previous = new Map<string, Sample>();

  constructor(
    private readonly registry: EndpointRegistry,
    private readonly producer: BufferedProducer,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.publish(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  publish(): void {
    const headers = recordHeaders(endpointLoadCodec);
    const now = Date.now();
    for (const e of this.registry.snapshot()) {
      const counters = this.registry.counters(e.id);
      const sample = counters && { atMs: now, counters: { ...counters } };
      const rates = sample ? ratesBetween(this.previous.get(e.id), sample) : { hitRate: 0, promptPerS: 0, genPerS: 0 };
      if (sample) this.previous.set(e.id, sample);
      const value = endpointLoadCodec.encode({
        endpointId: e.id,
        model: e.models[0] ?? '',
        pool: e.labels['llm-d.io/pool'] ?? '',
        role: e.role,
        timestampUnixMs: now,
        healthy: e.healthy,
        waiting: e.metrics.waiting,
        running: e.metrics.running,
        inFlight: e.inFlight,
        kvCacheUsage: e.metrics.kvCacheUsage,
        prefixCacheHitRate: rates.hitRate,
        promptTokensPerSecond: rates.promptPerS,
        generationTokensPerSecond: rates.genPerS,
      });
      this.producer.enqueue({ topic: endpointLoadCodec.topic, key: e.id, value, headers });
    }
  }
}
