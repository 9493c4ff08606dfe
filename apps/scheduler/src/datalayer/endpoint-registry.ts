// The data layer: every known endpoint with its latest scraped load, health and in-flight count.
import { applyCharge, type Endpoint, type EndpointRole, type InFlightCharge } from '@llmd/scoring';
import type { MetricsFormat, ScrapedCounters, ScrapedLoad } from './parse-prometheus';

export interface EndpointSpec {
  id: string;
  address: string;
  models: string[];
  role: EndpointRole;
  loraAdapters: string[];
  labels: Record<string, string>;
  /** @default 'vllm' */
  metricsFormat?: MetricsFormat;
}

interface Entry {
  spec: EndpointSpec;
  waiting: number;
  running: number;
  kvCacheUsage: number;
  scrapedAtMs: number;
  reachable: boolean;
  /** A scrape of it has finished (answered or failed) at least once. */
  scrapedOnce: boolean;
  inFlight: number;
  inFlightTokens: number;
  inFlightPrefillTokens: number;
  counters: ScrapedCounters;
  lora: ScrapedLoad['lora'];
  /** The framework's view, built once and reused until the entry changes (Endpoints are read-only to plugins). */
  view: Endpoint | undefined;
}

export class EndpointRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly staleAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  upsert(spec: EndpointSpec): void {
    const old = this.entries.get(spec.id);
    // Every entry has every field from the start and scrapes write fields in place: one object shape.
    const entry: Entry = old
      ? { ...old, spec, view: undefined }
      : { spec, waiting: 0, running: 0, kvCacheUsage: 0, scrapedAtMs: 0, reachable: false, scrapedOnce: false, inFlight: 0, inFlightTokens: 0, inFlightPrefillTokens: 0, counters: { prefixQueries: 0, prefixHits: 0, promptTokens: 0, generationTokens: 0 }, lora: undefined, view: undefined };
    this.entries.set(spec.id, entry);
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  spec(id: string): EndpointSpec | undefined {
    return this.entries.get(id)?.spec;
  }

  specs(): EndpointSpec[] {
    return [...this.entries.values()].map((e) => e.spec);
  }

  recordScrape(id: string, load: ScrapedLoad): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.waiting = load.waiting;
    e.running = load.running;
    e.kvCacheUsage = load.kvCacheUsage;
    e.counters = load.counters;
    e.lora = load.lora;
    e.scrapedAtMs = this.now();
    e.reachable = true;
    e.scrapedOnce = true;
    e.view = undefined;
  }

  recordScrapeFailure(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.reachable = false;
    e.scrapedOnce = true;
    e.view = undefined;
  }

  /** Every known endpoint has been scraped (or failed to be) at least once. */
  allScrapedOnce(): boolean {
    for (const e of this.entries.values()) if (!e.scrapedOnce) return false;
    return true;
  }

  /** An in-flight charge added to its endpoint (`sign` 1) or taken off (-1), by libs/scoring's rule. */
  applyInFlight(charge: InFlightCharge, sign: 1 | -1): void {
    const e = this.entries.get(charge.endpointId);
    if (!e) return;
    const load = applyCharge(e, charge, sign);
    e.inFlight = load.inFlight;
    e.inFlightTokens = load.inFlightTokens;
    e.inFlightPrefillTokens = load.inFlightPrefillTokens;
    e.view = undefined;
  }

  private healthy(e: Entry, now: number): boolean {
    return e.reachable && now - e.scrapedAtMs <= this.staleAfterMs;
  }

  /** Healthy endpoints whose load passes `keep`, counted without building the snapshot (flow control's per-Pick check). */
  countCandidates(keep: (load: { waiting: number; kvCacheUsage: number }) => boolean): number {
    const now = this.now();
    let n = 0;
    for (const e of this.entries.values()) if (this.healthy(e, now) && keep(e)) n++;
    return n;
  }

  /** Every endpoint as the scheduling framework sees it. */
  snapshot(): Endpoint[] {
    const now = this.now();
    const out: Endpoint[] = [];
    for (const e of this.entries.values()) out.push(this.view(e, this.healthy(e, now)));
    return out;
  }

  private view(e: Entry, healthy: boolean): Endpoint {
    if (e.view && e.view.healthy === healthy) return e.view;
    e.view = {
      id: e.spec.id,
      address: e.spec.address,
      models: e.spec.models,
      loraAdapters: e.spec.loraAdapters,
      role: e.spec.role,
      labels: e.spec.labels,
      metrics: { waiting: e.waiting, running: e.running, kvCacheUsage: e.kvCacheUsage, scrapedAtMs: e.scrapedAtMs, loraRunning: e.lora?.running, loraWaiting: e.lora?.waiting, maxLoras: e.lora?.max },
      inFlight: e.inFlight,
      inFlightTokens: e.inFlightTokens,
      inFlightPrefillTokens: e.inFlightPrefillTokens,
      healthy,
    };
    return e.view;
  }

  /** Cumulative vLLM counters of an endpoint at its last scrape. */
  counters(id: string): ScrapedCounters | undefined {
    return this.entries.get(id)?.counters;
  }

  /** Candidates for a pick: healthy and fresh. */
  candidates(): Endpoint[] {
    const now = this.now();
    const out: Endpoint[] = [];
    for (const e of this.entries.values()) if (this.healthy(e, now)) out.push(this.view(e, true));
    return out;
  }
}
