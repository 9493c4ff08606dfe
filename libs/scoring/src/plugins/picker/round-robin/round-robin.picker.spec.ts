import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { RoundRobinPicker } from './round-robin.picker';

const scored = (ids: string[], scores: number[] = ids.map(() => 0)) => ids.map((id, i) => ({ endpoint: makeEndpoint(id).build(), score: scores[i] }));

describe('RoundRobinPicker', () => {
  it.each([
    ['takes the endpoints in turn, by id', ['b', 'a', 'c'], 1, [['a'], ['b'], ['c'], ['a']]],
    ['returns the next ones as fallbacks', ['a', 'b', 'c'], 2, [['a', 'b'], ['b', 'c'], ['c', 'a']]],
    ['returns at most the candidates there are', ['a'], 3, [['a'], ['a']]],
  ])('%s', (_name, ids, maxTargets, expected) => {
    const picker = new RoundRobinPicker('rr', { maxTargets });
    for (const want of expected) expect(picker.pick(new CycleState(), makeRequest(), scored(ids)).targets.map((e) => e.id)).toEqual(want);
  });

  it('ignores scores, and returns nothing without candidates', () => {
    const picker = new RoundRobinPicker('rr', { maxTargets: 1 });
    expect(picker.pick(new CycleState(), makeRequest(), scored(['a', 'b'], [0, 1])).targets[0].id).toBe('a');
    expect(picker.pick(new CycleState(), makeRequest(), []).targets).toEqual([]);
  });
});
