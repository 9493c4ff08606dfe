// Test builders for the scheduling framework: makeEndpoint('a').queue(5).kvUsage(0.4).build().
import type { Endpoint, EndpointRole, SchedulingRequest } from '../framework';

export class EndpointBuilder {
  private readonly e: Endpoint;

  constructor(id: string) {
    this.e = {
      id,
      address: `127.0.0.1:${8100 + (hash(id) % 100)}`,
      models: ['test-model'],
      loraAdapters: [],
      role: 'both',
      labels: {},
      metrics: { waiting: 0, running: 0, kvCacheUsage: 0, scrapedAtMs: 0 },
      inFlight: 0,
      healthy: true,
    };
  }
  models(...models: string[]): this {
    this.e.models = models;
    return this;
  }
  lora(...adapters: string[]): this {
    this.e.loraAdapters = adapters;
    return this;
  }
  role(role: EndpointRole): this {
    this.e.role = role;
    return this;
  }
  queue(waiting: number): this {
    this.e.metrics = { ...this.e.metrics, waiting };
    return this;
  }
  running(running: number): this {
    this.e.metrics = { ...this.e.metrics, running };
    return this;
  }
  kvUsage(kvCacheUsage: number): this {
    this.e.metrics = { ...this.e.metrics, kvCacheUsage };
    return this;
  }
  inFlight(n: number): this {
    this.e.inFlight = n;
    return this;
  }
  inFlightTokens(n: number): this {
    this.e.inFlightTokens = n;
    return this;
  }
  inFlightPrefillTokens(n: number): this {
    this.e.inFlightPrefillTokens = n;
    return this;
  }
  loras(running: string[], waiting: string[] = [], maxLoras = 4): this {
    this.e.metrics = { ...this.e.metrics, loraRunning: running, loraWaiting: waiting, maxLoras };
    return this;
  }
  scrapedAt(ms: number): this {
    this.e.metrics = { ...this.e.metrics, scrapedAtMs: ms };
    return this;
  }
  unhealthy(): this {
    this.e.healthy = false;
    return this;
  }
  build(): Endpoint {
    return { ...this.e };
  }
}

export function makeEndpoint(id: string): EndpointBuilder {
  return new EndpointBuilder(id);
}

export function makeRequest(overrides: Partial<SchedulingRequest> = {}): SchedulingRequest {
  return { requestId: 'req-1', model: 'test-model', prompt: 'hello', priority: 0, ...overrides };
}

/** A small deterministic PRNG (mulberry32) for plugin deps in tests and simulations. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}
