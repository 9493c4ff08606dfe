import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { TokenLoadScorer } from './token-load.scorer';

describe('TokenLoadScorer', () => {
  it.each([
    [[0, 5, 10], [1, 0.5, 0]],
    [[3, 3], [1, 1]],
    [[8], [1]],
  ])('%p -> %p', (loads, expected) => {
    const endpoints = loads.map((n, i) => makeEndpoint(`e${i}`).inFlightTokens(n).build());
    const scores = new TokenLoadScorer('s').score(new CycleState(), makeRequest(), endpoints);
    expect(endpoints.map((e) => scores.get(e.id))).toEqual(expected);
  });
});
