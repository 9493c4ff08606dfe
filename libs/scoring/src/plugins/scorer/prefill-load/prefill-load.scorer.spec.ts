import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { PrefillLoadScorer } from './prefill-load.scorer';

const tokens = (n: number) => Array.from({ length: n }, (_, i) => 1000 + i);

describe('PrefillLoadScorer', () => {
  const scorer = new PrefillLoadScorer('s', { charsPerToken: 4 });

  it('scores the work ahead of the first token as a ratio to the least', () => {
    const endpoints = [0, 1000, 3000].map((n, i) => makeEndpoint(`e${i}`).inFlightPrefillTokens(n).build());
    const scores = scorer.score(new CycleState(), makeRequest({ promptTokenIds: tokens(1000) }), endpoints);
    // work: 1000, 2000, 4000 (each pod also computes this prompt)
    expect(endpoints.map((e) => scores.get(e.id))).toEqual([1, 0.5, 0.25]);
  });

  it('counts only the part of the prompt an endpoint does not hold', () => {
    const endpoints = ['warm', 'cold'].map((id) => makeEndpoint(id).inFlightPrefillTokens(id === 'warm' ? 600 : 0).build());
    const state = new CycleState();
    state.write(PREFIX_MATCH, { totalChunks: 10, matched: new Map([['warm', 9]]), chunkSize: 100 });
    const scores = scorer.score(state, makeRequest({ promptTokenIds: tokens(1000) }), endpoints);
    // warm: 600 queued + 100 uncached = 700; cold: 1000
    expect(scores.get('warm')).toBe(1);
    expect(scores.get('cold')).toBeCloseTo(0.7, 10);
  });

  it('scores 1 everywhere when nothing is queued and the prompt is held everywhere', () => {
    const endpoints = [makeEndpoint('a').build(), makeEndpoint('b').build()];
    const state = new CycleState();
    state.write(PREFIX_MATCH, { totalChunks: 4, matched: new Map([['a', 4], ['b', 4]]), chunkSize: 16 });
    const scores = scorer.score(state, makeRequest({ promptTokenIds: tokens(64) }), endpoints);
    expect([...scores.values()]).toEqual([1, 1]);
  });

  it('gives an idle endpoint 1 and a busy one less when the prompt is fully cached on the idle one', () => {
    const endpoints = [makeEndpoint('idle').build(), makeEndpoint('busy').inFlightPrefillTokens(500).build()];
    const state = new CycleState();
    state.write(PREFIX_MATCH, { totalChunks: 4, matched: new Map([['idle', 4]]), chunkSize: 16 });
    const scores = scorer.score(state, makeRequest({ promptTokenIds: tokens(64) }), endpoints);
    expect(scores.get('idle')).toBe(1);
    expect(scores.get('busy')).toBe(0);
  });

  it('estimates a text prompt from its characters', () => {
    const endpoints = [makeEndpoint('a').inFlightPrefillTokens(100).build(), makeEndpoint('b').build()];
    const scores = scorer.score(new CycleState(), makeRequest({ prompt: 'x'.repeat(400) }), endpoints);
    // a: 100 + 100, b: 100
    expect(scores.get('a')).toBe(0.5);
    expect(scores.get('b')).toBe(1);
  });
});
