// Scrapes every endpoint's /metrics on an interval (undici, one small pool per endpoint), feeding the registry.
import { Pool } from 'undici';
import type { Logger } from 'pino';
import type { EndpointRegistry } from './endpoint-registry';
import { MetricsFormat, parseVllmLoad } from './parse-prometheus';

/** An interval is cut into this many ticks at most, each scraping its share of the endpoints. */
const MAX_SLICES = 10;
/** No tick closer than this to the next. */
const MIN_TICK_MS = 5;
/** A /metrics answer past this is refused unread (vLLM's is tens of KiB; a bound on what a pod can make the scheduler hold). */
export const MAX_SCRAPE_BYTES = 8 * 1024 * 1024;

/** The body as text, or an error once it passes `max` bytes (the rest is not read). */
export async function readCapped(body: AsyncIterable<Buffer>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) throw new Error(`metrics over ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class MetricsScraper {
  private readonly pools = new Map<string, Pool>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inProgress = new Set<string>();
  private readonly slices: number;
  private tick = 0;

  constructor(
    private readonly registry: EndpointRegistry,
    private readonly options: { intervalMs: number; timeoutMs: number },
    private readonly logger: Logger,
    /** Called after each round of scrapes is issued (flow control re-checks for room). */
    private readonly onRound: () => void = () => undefined,
  ) {
    this.slices = Math.max(1, Math.min(MAX_SLICES, Math.floor(options.intervalMs / MIN_TICK_MS)));
  }

  /**
   * Scrapes every endpoint once per interval, spread over the interval in slices: a burst of hundreds
   * of scrapes at one instant would stall the Picks that arrive during it.
   */
  start(): void {
    this.scrapeAll();
    this.timer = setInterval(() => this.scrapeSlice(), this.options.intervalMs / this.slices);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
    this.pools.clear();
  }

  /** One scrape of every endpoint; an endpoint whose last scrape is still running is skipped. */
  scrapeAll(): void {
    this.onRound();
    for (const spec of this.registry.specs()) this.start1(spec);
  }

  /** The endpoints of this tick's slice (every endpoint falls in one slice per interval). */
  private scrapeSlice(): void {
    const slice = this.tick++ % this.slices;
    const specs = this.registry.specs();
    for (let i = slice; i < specs.length; i += this.slices) this.start1(specs[i]);
    if (slice === this.slices - 1) this.onRound();
  }

  private start1(spec: { id: string; address: string; metricsFormat?: MetricsFormat }): void {
    if (this.inProgress.has(spec.id)) return;
    this.inProgress.add(spec.id);
    void this.scrape(spec.id, spec.address, spec.metricsFormat ?? 'vllm').finally(() => this.inProgress.delete(spec.id));
  }

  private pool(address: string): Pool {
    let pool = this.pools.get(address);
    if (!pool) {
      // Every phase is bounded by the pool's own timeouts (connect, headers, body), not by a timer
      // and an AbortSignal made per scrape: at a 50 ms interval a scrape is a hot path too.
      pool = new Pool(`http://${address}`, { connections: 2, connect: { timeout: this.options.timeoutMs }, headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs });
      this.pools.set(address, pool);
    }
    return pool;
  }

  private async scrape(id: string, address: string, format: MetricsFormat): Promise<void> {
    try {
      const res = await this.pool(address).request({ path: '/metrics', method: 'GET' });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`status ${res.statusCode}`);
      }
      const text = await readCapped(res.body, MAX_SCRAPE_BYTES);
      this.registry.recordScrape(id, parseVllmLoad(text, format));
    } catch (err) {
      this.registry.recordScrapeFailure(id);
      this.logger.debug({ endpoint: id, err: (err as Error).message }, 'scrape failed');
    }
  }
}
