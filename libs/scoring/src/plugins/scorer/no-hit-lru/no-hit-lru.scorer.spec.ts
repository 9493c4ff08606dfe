import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { NoHitLruScorer } from './no-hit-lru.scorer';

const endpoints = ['a', 'b', 'c'].map((id) => makeEndpoint(id).build());
const cold = () => new CycleState();
const warm = () => {
  const s = new CycleState();
  s.write(PREFIX_MATCH, { totalChunks: 4, chunkSize: 64, matched: new Map([['a', 2]]) });
  return s;
};
const pick = (scorer: NoHitLruScorer, id: string, state = cold()) =>
  scorer.onPicked(state, makeRequest(), { primaryProfile: 'd', profileResults: { d: { targets: [endpoints.find((e) => e.id === id)!] } } });

describe('NoHitLruScorer', () => {
  it.each([
    ['nothing routed cold yet', [], { a: 1, b: 1, c: 1 }],
    ['unused endpoints first, then the least recent', ['a', 'b'], { a: 2 / 3, b: 1 / 3, c: 1 }],
    ['re-using an endpoint makes it the most recent', ['a', 'b', 'c', 'a'], { a: 0.25, b: 0.75, c: 0.5 }],
  ])('%s', (_name, history, expected) => {
    const scorer = new NoHitLruScorer('n');
    for (const id of history) pick(scorer, id);
    const got = Object.fromEntries(scorer.score(cold(), makeRequest(), endpoints));
    for (const [k, v] of Object.entries(expected)) expect(got[k]).toBeCloseTo(v, 9);
  });

  it('leaves warm prompts to the prefix scorer and does not record them', () => {
    const scorer = new NoHitLruScorer('n');
    pick(scorer, 'a', warm());
    expect(Object.fromEntries(scorer.score(warm(), makeRequest(), endpoints))).toEqual({ a: 1, b: 1, c: 1 });
    expect(Object.fromEntries(scorer.score(cold(), makeRequest(), endpoints))).toEqual({ a: 1, b: 1, c: 1 });
  });
});
