import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest, seededRandom } from '../../../testing';
import { WeightedRandomPicker } from './weighted-random.picker';

describe('WeightedRandomPicker', () => {
  const scored = [3, 1, 0].map((score, i) => ({ endpoint: makeEndpoint(`e${i}`).build(), score }));

  it('picks in proportion to score', () => {
    const picker = new WeightedRandomPicker('w', { maxTargets: 1 }, seededRandom(3));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) {
      const id = picker.pick(new CycleState(), makeRequest(), scored).targets[0].id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts.e0 / 4000).toBeGreaterThan(0.7);
    expect(counts.e0 / 4000).toBeLessThan(0.8);
    expect(counts.e2 ?? 0).toBeLessThan(5);
  });

  it.each([[1], [2], [5]])('returns %d distinct targets at most', (maxTargets) => {
    const targets = new WeightedRandomPicker('w', { maxTargets }, seededRandom(1)).pick(new CycleState(), makeRequest(), scored).targets;
    expect(targets).toHaveLength(Math.min(maxTargets, 3));
    expect(new Set(targets.map((t) => t.id)).size).toBe(targets.length);
  });
});
