import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest, seededRandom } from '../../../testing';
import { MaxScorePicker } from './max-score.picker';

describe('MaxScorePicker', () => {
  const scored = (scores: number[]) => scores.map((score, i) => ({ endpoint: makeEndpoint(`e${i}`).build(), score }));

  it.each([
    [[0.1, 0.9, 0.5], 3, ['e1', 'e2', 'e0']],
    [[0.1, 0.9, 0.5], 1, ['e1']],
    [[2, 1], 5, ['e0', 'e1']],
  ])('scores %p, maxTargets %d -> %p', (scores, maxTargets, ids) => {
    const picker = new MaxScorePicker('p', { maxTargets }, seededRandom(1));
    expect(picker.pick(new CycleState(), makeRequest(), scored(scores)).targets.map((e) => e.id)).toEqual(ids);
  });

  it('spreads ties over every tied endpoint', () => {
    const picker = new MaxScorePicker('p', { maxTargets: 1 }, seededRandom(7));
    const picks = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const id = picker.pick(new CycleState(), makeRequest(), scored([1, 1, 1, 1, 0])).targets[0].id;
      picks.set(id, (picks.get(id) ?? 0) + 1);
    }
    expect([...picks.keys()].sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    for (const n of picks.values()) expect(n).toBeGreaterThan(50);
  });

  it('returns no target when there are no candidates', () => {
    const picker = new MaxScorePicker('p', { maxTargets: 2 }, seededRandom(1));
    expect(picker.pick(new CycleState(), makeRequest(), []).targets).toEqual([]);
  });
});
