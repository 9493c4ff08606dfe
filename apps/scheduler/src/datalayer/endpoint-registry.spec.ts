import { EndpointRegistry } from './endpoint-registry';

const spec = (id: string) => ({ id, address: `127.0.0.1:1${id.length}`, models: ['m'], role: 'both' as const, loraAdapters: [], labels: {} });

const counters = { prefixQueries: 0, prefixHits: 0, promptTokens: 0, generationTokens: 0 };

describe('EndpointRegistry', () => {
  it('marks endpoints healthy only while their last scrape is fresh and reachable', () => {
    let now = 1000;
    const r = new EndpointRegistry(500, () => now);
    r.upsert(spec('a'));
    expect(r.candidates()).toEqual([]);
    r.recordScrape('a', { waiting: 2, running: 1, kvCacheUsage: 0.5, counters });
    expect(r.candidates().map((e) => e.metrics)).toEqual([{ waiting: 2, running: 1, kvCacheUsage: 0.5, scrapedAtMs: 1000 }]);
    now = 1600;
    expect(r.candidates()).toEqual([]);
    r.recordScrape('a', { waiting: 0, running: 0, kvCacheUsage: 0, counters });
    expect(r.candidates()).toHaveLength(1);
    r.recordScrapeFailure('a');
    expect(r.candidates()).toEqual([]);
  });

  it('knows when every endpoint has been scraped once, answered or failed (readiness)', () => {
    const r = new EndpointRegistry(500, () => 1000);
    r.upsert(spec('a'));
    r.upsert(spec('bb'));
    expect(r.allScrapedOnce()).toBe(false);
    r.recordScrape('a', { waiting: 0, running: 0, kvCacheUsage: 0, counters });
    expect(r.allScrapedOnce()).toBe(false);
    r.recordScrapeFailure('bb');
    expect(r.allScrapedOnce()).toBe(true);
    r.upsert(spec('ccc'));
    expect(r.allScrapedOnce()).toBe(false);
  });
});

describe('EndpointRegistry.countCandidates', () => {
  it('counts healthy endpoints that pass the test, as candidates() would', () => {
    let now = 0;
    const r = new EndpointRegistry(500, () => now);
    for (const id of ['a', 'bb', 'ccc']) r.upsert(spec(id));
    r.recordScrape('a', { waiting: 9, running: 0, kvCacheUsage: 0, counters });
    r.recordScrape('bb', { waiting: 0, running: 0, kvCacheUsage: 0, counters });
    const roomy = (l: { waiting: number }) => l.waiting < 5;
    expect(r.countCandidates(roomy)).toBe(1);
    expect(r.countCandidates(roomy)).toBe(r.candidates().filter((e) => roomy(e.metrics)).length);
    now = 1000; // both scrapes are stale now
    expect(r.countCandidates(() => true)).toBe(0);
  });
});

describe('EndpointRegistry views', () => {
  it('reuses an endpoint view until its scrape, in-flight count, health or spec changes', () => {
    let now = 0;
    const r = new EndpointRegistry(500, () => now);
    for (const id of ['a', 'bb']) {
      r.upsert(spec(id));
      r.recordScrape(id, { waiting: 1, running: 1, kvCacheUsage: 0.1, counters });
    }
    const [a1, b1] = r.candidates();
    expect(r.candidates()[0]).toBe(a1);
    r.applyInFlight({ endpointId: 'a', requests: 1, tokens: 100, prefillTokens: 60 }, 1);
    const [a2, b2] = r.candidates();
    expect(a2).not.toBe(a1);
    expect(a2.inFlight).toBe(1);
    expect(a2.inFlightPrefillTokens).toBe(60);
    expect(a1.inFlight).toBe(0); // a view already handed out never changes
    expect(b2).toBe(b1);
    r.recordScrape('bb', { waiting: 5, running: 0, kvCacheUsage: 0, counters });
    expect(r.candidates()[1].metrics.waiting).toBe(5);
    now = 600; // stale: the snapshot's view says so
    expect(r.snapshot().map((e) => e.healthy)).toEqual([false, false]);
    r.upsert({ ...spec('a'), models: ['m', 'n'] });
    expect(r.snapshot()[0].models).toEqual(['m', 'n']);
  });
});
