import { ratesBetween } from './load-publisher';

const c = (prefixQueries: number, prefixHits: number, promptTokens: number, generationTokens: number) => ({ prefixQueries, prefixHits, promptTokens, generationTokens });

describe('ratesBetween', () => {
  it.each([
    ['first sample', undefined, { atMs: 1000, counters: c(10, 5, 10, 10) }, { hitRate: 0, promptPerS: 0, genPerS: 0 }],
    ['one second apart', { atMs: 0, counters: c(0, 0, 0, 0) }, { atMs: 1000, counters: c(100, 25, 400, 30) }, { hitRate: 0.25, promptPerS: 400, genPerS: 30 }],
    ['two seconds apart', { atMs: 0, counters: c(0, 0, 0, 0) }, { atMs: 2000, counters: c(10, 10, 400, 30) }, { hitRate: 1, promptPerS: 200, genPerS: 15 }],
    ['counter reset after a pod restart', { atMs: 0, counters: c(500, 200, 900, 90) }, { atMs: 1000, counters: c(10, 0, 5, 5) }, { hitRate: 0, promptPerS: 0, genPerS: 0 }],
  ])('%s', (_name, prev, cur, expected) => {
    expect(ratesBetween(prev, cur)).toEqual(expected);
  });
});
