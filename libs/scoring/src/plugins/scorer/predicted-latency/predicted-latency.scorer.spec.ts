import { CycleState, PluginRegistry, SchedulingConfigError } from '../../../framework';
import { linearCostModel, linearCostModels, makeEndpoint, makeRequest, seededRandom } from '../../../testing';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { PredictedLatencyScorer, predictedLatencyScorerDescriptor } from './predicted-latency.scorer';

// Prefill: 10 ms + 0.025 ms a token; 4096 tokens alone cost 112.4 ms.
const cost = linearCostModel();
const scorer = new PredictedLatencyScorer('p', { gpuProfile: 'llama-3-8b', charsPerToken: 4 }, cost);
const prompt = 'x'.repeat(4 * 4096); // 4096 tokens at 4 characters a token

describe('PredictedLatencyScorer', () => {
  it.each([
    ['an idle endpoint: this prompt alone', makeEndpoint('a').build(), 0, 112.4],
    ['half of it cached: the other half behind it', makeEndpoint('a').build(), 0.5, 10 + 2048 * 0.025 + 2048 * 0.005],
    ['two waiting: each a prefill of this size and a decode step first', makeEndpoint('a').queue(2).build(), 0, 2 * (112.4 + 8.1) + 112.4],
  ])('predicts %s', (_name, endpoint, cachedShare, ms) => {
    expect(scorer.predictTtftMs(makeRequest({ prompt }), endpoint, cachedShare)).toBeCloseTo(ms, 6);
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
    [50, 50 / 112.4],
  ])('with an SLO of %d ms an idle endpoint scores %f', (slo, expected) => {
    const scores = scorer.score(new CycleState(), makeRequest({ prompt, ttftSloMs: slo }), [makeEndpoint('a').build()]);
    expect(scores.get('a')).toBeCloseTo(expected, 3);
  });
});

describe('predicted-latency-scorer descriptor', () => {
  const registry = new PluginRegistry().register(predictedLatencyScorerDescriptor);
  const deps = { random: seededRandom(1), now: () => 0 };

  it.each([
    ['no cost models at all', {}, {}, 'plugins[p]'],
    ['a GPU profile the cost models do not have', { costModels: linearCostModels() }, { gpuProfile: 'no-such-gpu' }, 'plugins[p].parameters.gpuProfile'],
  ])('refuses to build with %s, naming the field', (_name, extra, params, field) => {
    expect(() => registry.create('plugins.0', predictedLatencyScorerDescriptor.type, 'p', params, { ...deps, ...extra })).toThrow(expect.objectContaining({ field }));
    expect(() => registry.create('plugins.0', predictedLatencyScorerDescriptor.type, 'p', params, { ...deps, ...extra })).toThrow(SchedulingConfigError);
  });

  it('builds with the cost model of its profile', () => {
    expect(registry.create('plugins.0', predictedLatencyScorerDescriptor.type, 'p', {}, { ...deps, costModels: linearCostModels() })).toBeInstanceOf(PredictedLatencyScorer);
  });
});
