import { markdownTable, routingFigures, summarize, sustainedTokensPerSec } from './report';

describe('sustainedTokensPerSec', () => {
  const o = (arrivalMs: number, ttftMs: number, endMs: number, outputTokens: number) => ({ arrivalMs, ttftMs, endMs, outputTokens, itlMs: 0, ok: true });

  it('counts the tokens generated between the first and the last arrival, spread over each request', () => {
    // Window [0, 1000]: A streams 10 tokens over [100, 1100] (9 fall inside), B starts at the window's end.
    expect(sustainedTokensPerSec([o(0, 100, 1100, 10), o(1000, 0, 2000, 10)])).toBeCloseTo(9);
  });

  it('counts a single-token request when its token falls inside the window', () => {
    expect(sustainedTokensPerSec([o(0, 200, 200, 1), o(500, 600, 1100, 5), o(1000, 100, 1100, 1)])).toBeCloseTo(1);
  });

  it('is undefined without a window', () => {
    expect(sustainedTokensPerSec([o(0, 1, 2, 3)])).toBeNaN();
    expect(sustainedTokensPerSec([o(5, 1, 9, 3), o(5, 1, 9, 3)])).toBeNaN();
  });
});

describe('routingFigures', () => {
  const counters = { picks: 200, fallbacks: { deadline: 3, 'circuit-open': 1, 'no-tokenizer': 0 }, failOpen: 2, tokenizations: 100, tokenizeSeconds: 0.5, tokenizedTokens: 320000, tokenizationHits: 100 };

  it('gives the fallback rate over Picks, the fail-open rate and tokenization per request', () => {
    expect(routingFigures(counters, 100)).toEqual({
      picks: 200,
      preciseFallbackRate: 0.02,
      fallbacksByReason: { deadline: 3, 'circuit-open': 1 },
      failOpenRate: 0.02,
      tokenizeMsPerRequest: 5,
      tokenizationsPerRequest: 1,
      tokenizedTokensPerRequest: 3200,
    });
  });

  it('puts them in the table of a live run', () => {
    const run = summarize({ mode: 'live', workload: 'shared-prefix', profile: 'precise-prefix', pods: 4, rate: 8, wallSec: 1 }, Array.from({ length: 100 }, (_, i) => ({ ttftMs: 1, itlMs: 1, outputTokens: 2, ok: true, arrivalMs: i, endMs: i + 2 })), 1000, { queries: 0, hits: 0 }, {}, counters);
    expect(markdownTable([run])).toContain('| 2.00% (deadline 3, circuit-open 1) | 2.00% | 5.00 | 1.00 |');
  });
});
