import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { InFlightScorer } from './in-flight.scorer';

describe('InFlightScorer', () => {
  it.each([
    [[0, 5, 10], [1, 0.5, 0]],
    [[3, 3], [1, 1]],
    [[8], [1]],
  ])('%p -> %p', (loads, expected) => {
    const endpoints = loads.map((n, i) => makeEndpoint(`e${i}`).inFlight(n).build());
    const scores = new InFlightScorer('s').score(new CycleState(), makeRequest(), endpoints);
    expect(endpoints.map((e) => scores.get(e.id))).toEqual(expected);
  });
});
