import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest, seededRandom } from '../../../testing';
import { TopKPicker } from './top-k.picker';

const scored = (scores: number[]) => scores.map((score, i) => ({ endpoint: makeEndpoint(`e${i}`).build(), score }));

describe('TopKPicker', () => {
  it.each([
    ['near-equal leaders share the picks', [1.0, 0.95, 0.5], { k: 2, jitter: 0.1 }, ['e0', 'e1']],
    ['a clear leader always wins', [1.0, 0.7, 0.6], { k: 3, jitter: 0.1 }, ['e0']],
    ['k bounds the draw', [1.0, 1.0, 1.0], { k: 2, jitter: 0.5 }, ['e0', 'e1']],
  ])('%s', (_name, scores, p, allowed) => {
    const picker = new TopKPicker('t', { ...p, maxTargets: 3 }, seededRandom(9));
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(picker.pick(new CycleState(), makeRequest(), scored(scores)).targets[0].id);
    expect([...seen].sort()).toEqual(allowed);
  });
});
