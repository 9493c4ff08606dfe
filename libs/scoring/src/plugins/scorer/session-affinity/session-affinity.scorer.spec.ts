import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { SessionAffinityScorer } from './session-affinity.scorer';

const endpoints = ['a', 'b'].map((id) => makeEndpoint(id).build());

describe('SessionAffinityScorer', () => {
  it.each([
    ['the same session, in time', 's1', 100, { a: 0, b: 1 }],
    ['the same session, expired', 's1', 5000, { a: 0, b: 0 }],
    ['another session', 's2', 100, { a: 0, b: 0 }],
    ['no session', undefined, 100, { a: 0, b: 0 }],
  ])('%s', (_name, sessionId, later, expected) => {
    let now = 0;
    const scorer = new SessionAffinityScorer('s', { ttlMs: 1000, capacity: 10 }, () => now);
    scorer.onPicked(new CycleState(), makeRequest({ sessionId: 's1' }), { primaryProfile: 'd', profileResults: { d: { targets: [endpoints[1]] } } });
    now = later;
    expect(Object.fromEntries(scorer.score(new CycleState(), makeRequest({ sessionId }), endpoints))).toEqual(expected);
  });
});
