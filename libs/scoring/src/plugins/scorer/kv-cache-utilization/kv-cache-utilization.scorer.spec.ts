import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { KvCacheUtilizationScorer } from './kv-cache-utilization.scorer';

describe('KvCacheUtilizationScorer', () => {
  it.each([
    [[0, 0.5, 1], [1, 0.5, 0]],
    [[0.2, 0.2], [0.8, 0.8]],
  ])('usage %p -> %p', (usage, expected) => {
    const endpoints = usage.map((u, i) => makeEndpoint(`e${i}`).kvUsage(u).build());
    const scores = new KvCacheUtilizationScorer('s').score(new CycleState(), makeRequest(), endpoints);
    endpoints.forEach((e, i) => expect(scores.get(e.id)).toBeCloseTo(expected[i], 9));
  });
});
