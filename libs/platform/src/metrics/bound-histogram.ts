// A histogram for hot paths: its label sets are bound once into children that count into plain arrays,
// so an observation is a bucket search and two additions (prom-client's Histogram hashes and validates
// the labels on every observe, even through `labels()`). It registers with a prom-client Registry and
// is exposed in the same text format.
import type { Registry } from 'prom-client';

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export interface BoundHistogramChild {
  observe(value: number): void;
}

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class BoundHistogram<L extends string> {
  readonly type = 'histogram';
  private readonly series = new Map<string, Series>();
  private readonly buckets: number[];

  constructor(
    readonly config: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[]; registers?: Registry[] },
  ) {
    this.buckets = [...config.buckets].sort((a, b) => a - b);
    for (const registry of config.registers ?? []) registry.registerMetric(this as never);
  }

  get name(): string {
    return this.config.name;
  }

  get help(): string {
    return this.config.help;
  }

  /** The child for one label set; keep it and call `observe` on it. */
  bind(labels: Record<L, string>): BoundHistogramChild {
    for (const name of Object.keys(labels)) {
      if (!this.config.labelNames.includes(name as L)) throw new Error(`${this.config.name}: unknown label "${name}"`);
    }
    const key = this.config.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { ...labels }, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    const series = s;
    const bounds = this.buckets;
    return {
      observe(value: number): void {
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        series.counts[i]++;
        series.sum += value;
        series.count++;
      },
    };
  }

  /** prom-client's Metric contract: the series in exposition shape (cumulative buckets). */
  get(): { name: string; help: string; type: 'histogram'; values: Sample[]; aggregator: 'sum' } {
    const values: Sample[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += s.counts[i];
        values.push({ metricName: `${this.config.name}_bucket`, labels: { le: i < this.buckets.length ? this.buckets[i] : '+Inf', ...s.labels }, value: cumulative });
      }
      values.push({ metricName: `${this.config.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.config.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.config.name, help: this.config.help, type: 'histogram', values, aggregator: 'sum' };
  }

  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
