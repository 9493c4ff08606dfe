import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { ApproxPrefixCacheScorer } from './approx-prefix-cache.scorer';

const params = { chunkSize: 8, tokenChunkSize: 4, maxChunks: 100, lruCapacityPerEndpoint: 1000 };
const endpoints = ['a', 'b'].map((id) => makeEndpoint(id).build());

function route(scorer: ApproxPrefixCacheScorer, prompt: string, to: string): void {
  const state = new CycleState();
  scorer.prepare(state, makeRequest({ prompt }), endpoints);
  scorer.onPicked(state, makeRequest({ prompt }), { primaryProfile: 'd', profileResults: { d: { targets: [endpoints.find((e) => e.id === to)!] } } });
}

function scores(scorer: ApproxPrefixCacheScorer, prompt: string, model = 'test-model'): Record<string, number> {
  const state = new CycleState();
  const req = makeRequest({ prompt, model });
  scorer.prepare(state, req, endpoints);
  return Object.fromEntries(scorer.score(state, req, endpoints));
}

describe('ApproxPrefixCacheScorer', () => {
  const system = 'SYSTEM PROMPT 0123456789abcdef'; // 30 chars: 3 full chunks of 8 (24 chars)

  it.each([
    ['a prompt routed before scores 1 where it went', system, { a: 1, b: 0 }],
    ['a prompt sharing the first two chunks', system.slice(0, 16) + 'zzzzzzzzzzzzzz', { a: 2 / 3, b: 0 }],
    ['an unrelated prompt', 'completely different text here!', { a: 0, b: 0 }],
    ['a prompt shorter than a chunk', 'short', { a: 0, b: 0 }],
  ])('%s', (_name, prompt, expected) => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    route(scorer, system, 'a');
    const got = scores(scorer, prompt);
    expect(got.a).toBeCloseTo(expected.a, 9);
    expect(got.b).toBeCloseTo(expected.b, 9);
  });

  it('keeps models apart', () => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    route(scorer, system, 'a');
    expect(scores(scorer, system, 'other-model').a).toBe(0);
  });

  it('records token prompts by token chunks', () => {
    const scorer = new ApproxPrefixCacheScorer('p', params);
    const tokens = [1, 2, 3, 4, 5, 6, 7, 8];
    const state = new CycleState();
    scorer.prepare(state, makeRequest({ prompt: '', promptTokenIds: tokens }), endpoints);
    scorer.onPicked(state, makeRequest(), { primaryProfile: 'd', profileResults: { d: { targets: [endpoints[1]] } } });
    const s2 = new CycleState();
    scorer.prepare(s2, makeRequest({ prompt: '', promptTokenIds: [1, 2, 3, 4, 9, 9, 9, 9] }), endpoints);
    expect(Object.fromEntries(scorer.score(s2, makeRequest(), endpoints))).toEqual({ a: 0, b: 0.5 });
  });
});
