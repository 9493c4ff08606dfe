// Scrapes every endpoint's /metrics on an interval (undici, one small pool per endpoint), feeding the registry.
import { Pool } from 'undici';
import type { Logger } from 'pino';
import type { EndpointRegistry } from './endpoint-registry';
import { MetricsFormat, parseVllmLoad } from './parse-prometheus';

export class MetricsScraper {
  private readonly pools = new Map<string, Pool>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly registry: EndpointRegistry,
    private readonly options: { intervalMs: number; timeoutMs: number },
    private readonly logger: Logger,
    /** Called after each round of scrapes is issued (flow control re-checks for room). */
    private readonly onRound: () => void = () => undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.scrapeAll(), this.options.intervalMs);
    this.scrapeAll();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
    this.pools.clear();
  }

  /** One scrape of every endpoint; an endpoint whose last scrape is still running is skipped. */
  scrapeAll(): void {
    this.onRound();
    for (const spec of this.registry.specs()) {
      if (this.inProgress.has(spec.id)) continue;
      this.inProgress.add(spec.id);
      void this.scrape(spec.id, spec.address, spec.metricsFormat ?? 'vllm').finally(() => this.inProgress.delete(spec.id));
    }
  }

  private pool(address: string): Pool {
    let pool = this.pools.get(address);
    if (!pool) {
      pool = new Pool(`http://${address}`, { connections: 2, headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs });
      this.pools.set(address, pool);
    }
    return pool;
  }

  private async scrape(id: string, address: string, format: MetricsFormat): Promise<void> {
    try {
      const res = await this.pool(address).request({ path: '/metrics', method: 'GET', signal: AbortSignal.timeout(this.options.timeoutMs) });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      this.registry.recordScrape(id, parseVllmLoad(text, format));
    } catch (err) {
      this.registry.recordScrapeFailure(id);
      this.logger.debug({ endpoint: id, err: (err as Error).message }, 'scrape failed');
    }
  }
}
