import { markdownTable, routingFigures, summarize, sustainedTokensPerSec, tailRatios } from './report';
import { lowReuse } from './workloads';

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

describe('tailRatios', () => {
  const run = (profile: string, rate: number, ttftP90Ms: number, seed?: number) => ({ ...summarize({ mode: 'des', workload: 'low-reuse', profile, pods: 8, rate, wallSec: 1 }, [], 1000, { queries: 0, hits: 0 }, {}), ttftP90Ms, seed });

  it('divides each prefix profile by round-robin in the same cell, and skips cells without one', () => {
    const runs = [run('round-robin', 5, 100, 1), run('precise-prefix', 5, 104, 1), run('approx-prefix', 5, 130, 1), run('round-robin', 5, 200, 2), run('precise-prefix', 5, 100, 2), run('precise-prefix', 10, 300, 1)];
    expect(tailRatios(runs)).toEqual([
      { profile: 'precise-prefix', pods: 8, rate: 5, seed: 1, ratio: 1.04 },
      { profile: 'approx-prefix', pods: 8, rate: 5, seed: 1, ratio: 1.3 },
      { profile: 'precise-prefix', pods: 8, rate: 5, seed: 2, ratio: 0.5 },
    ]);
  });
});

describe('the low-reuse workload', () => {
  it('draws each request a prefix uniformly from hundreds, with a short question and answer', () => {
    const reqs = lowReuse({ seed: 3, rate: 10, count: 800, groups: 400, systemTokens: 300, questionTokens: 20, outputTokens: 16 });
    expect(reqs).toHaveLength(800);
    const groups = new Set(reqs.map((r) => r.group));
    expect(groups.size).toBeGreaterThan(300);
    expect(reqs[0].promptTokenIds).toHaveLength(320);
    // Two requests of one group share the prefix and differ in the question.
    const [a, b] = reqs.filter((r) => r.group === reqs.find((x, i) => reqs.findIndex((y) => y.group === x.group) !== i)?.group);
    expect(b.promptTokenIds.slice(0, 300)).toEqual(a.promptTokenIds.slice(0, 300));
    expect(b.promptTokenIds.slice(300)).not.toEqual(a.promptTokenIds.slice(300));
    expect(reqs.every((r) => r.maxTokens === 16 && r.sharedTokens === 300)).toBe(true);
  });
});
