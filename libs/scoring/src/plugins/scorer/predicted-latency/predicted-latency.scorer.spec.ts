import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { PredictedLatencyScorer } from './predicted-latency.scorer';

const scorer = new PredictedLatencyScorer('p', { gpuProfile: 'llama-3-8b', charsPerToken: 4 });
const prompt = 'x'.repeat(4 * 4096); // about 4096 tokens

describe('PredictedLatencyScorer', () => {
  it('predicts an idle endpoint at the table prefill time', () => {
    expect(scorer.predictTtftMs(makeRequest({ prompt }), makeEndpoint('a').build(), 0)).toBeCloseTo(117.504, 2);
  });

  it.each([
    ['a queue makes an endpoint slower', [makeEndpoint('a').queue(0).build(), makeEndpoint('b').queue(3).build()], undefined, 'a'],
    ['a cached prefix makes an endpoint faster', [makeEndpoint('a').build(), makeEndpoint('b').build()], 0.9, 'b'],
  ])('%s', (_name, endpoints, cachedOnB, best) => {
    const state = new CycleState();
    if (cachedOnB) state.write(PREFIX_MATCH, { totalChunks: 10, chunkSize: 64, matched: new Map([['b', 9]]) });
    const scores = scorer.score(state, makeRequest({ prompt }), endpoints);
    expect(scores.get(best)).toBe(1);
    expect(Math.min(...scores.values())).toBeLessThan(1);
  });

  it.each([
    [1000, 1],
    [50, 50 / 117.504],
  ])('with an SLO of %d ms an idle endpoint scores %f', (slo, expected) => {
    const scores = scorer.score(new CycleState(), makeRequest({ prompt, ttftSloMs: slo }), [makeEndpoint('a').build()]);
    expect(scores.get('a')).toBeCloseTo(expected, 3);
  });
});
