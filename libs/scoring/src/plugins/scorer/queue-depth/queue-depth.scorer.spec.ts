import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { QueueDepthScorer } from './queue-depth.scorer';

describe('QueueDepthScorer', () => {
  it.each([
    ['spread queues', [0, 5, 10], [1, 0.5, 0]],
    ['equal queues', [3, 3, 3], [1, 1, 1]],
    ['one endpoint', [7], [1]],
    ['two endpoints', [2, 6], [1, 0]],
  ])('%s %p -> %p', (_name, queues, expected) => {
    const endpoints = queues.map((q, i) => makeEndpoint(`e${i}`).queue(q).build());
    const scores = new QueueDepthScorer('q').score(new CycleState(), makeRequest(), endpoints);
    expect(endpoints.map((e) => scores.get(e.id))).toEqual(expected);
  });
});
