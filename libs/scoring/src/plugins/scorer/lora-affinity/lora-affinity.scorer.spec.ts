import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { LoraAffinityScorer } from './lora-affinity.scorer';

describe('LoraAffinityScorer', () => {
  const ep = (running: string[], waiting: string[], max: number) => makeEndpoint('e').models('base').lora('sql', 'chat').loras(running, waiting, max).build();

  it.each([
    ['adapter running', 'sql', ep(['sql'], [], 2), 1],
    ['adapter waiting', 'sql', ep([], ['sql'], 2), 0.8],
    ['free slot', 'sql', ep(['chat'], [], 2), 0.5],
    ['slots full of other adapters', 'sql', ep(['chat'], [], 1), 0],
    ['a base-model request', 'base', ep(['chat'], [], 1), 1],
  ])('%s -> %d', (_name, model, endpoint, expected) => {
    expect(new LoraAffinityScorer('l').score(new CycleState(), makeRequest({ model }), [endpoint]).get('e')).toBe(expected);
  });
});
