import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest, seededRandom } from '../../../testing';
import { RandomPicker } from './random.picker';

const scored = (ids: string[]) => ids.map((id, i) => ({ endpoint: makeEndpoint(id).build(), score: i === 0 ? 1 : 0 }));

describe('RandomPicker', () => {
  it('spreads picks evenly whatever the scores, with distinct fallbacks', () => {
    const picker = new RandomPicker('r', { maxTargets: 2 }, seededRandom(7));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) {
      const { targets } = picker.pick(new CycleState(), makeRequest(), scored(['a', 'b', 'c']));
      expect(new Set(targets.map((t) => t.id)).size).toBe(2);
      counts[targets[0].id] = (counts[targets[0].id] ?? 0) + 1;
    }
    for (const id of ['a', 'b', 'c']) expect(counts[id]).toBeGreaterThan(900);
  });

  it.each([
    [['a'], 3, 1],
    [[], 3, 0],
  ])('returns at most the candidates there are (%j)', (ids, maxTargets, n) => {
    expect(new RandomPicker('r', { maxTargets }, seededRandom(1)).pick(new CycleState(), makeRequest(), scored(ids)).targets).toHaveLength(n);
  });
});
