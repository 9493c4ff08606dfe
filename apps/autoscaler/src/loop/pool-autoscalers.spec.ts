import { autoscalingSpec } from '@llmd/crd-types';
import { costProfileFor, needsCostModel } from './pool-autoscalers';

describe('costProfileFor', () => {
  const spec = (extra: object = {}) => autoscalingSpec.parse({ policy: 'slo', maxReplicas: 4, slo: { ttftMs: 500, itlMs: 30 }, ...extra });
  it.each([
    ['the spec\'s own profile', spec({ costProfile: 'llama-3.2-1b' }), 'meta-llama/Llama-3.1-8B-Instruct', 'llama-3.2-1b'],
    ['a model named as a profile', spec(), 'llama-3-8b', 'llama-3-8b'],
    ['the one profile of the same family and size', spec(), 'meta-llama/Llama-3.1-8B-Instruct', 'llama-3-8b'],
    ['the 1B one', spec(), 'meta-llama/Llama-3.2-1B-Instruct', 'llama-3.2-1b'],
    ['no match: the model itself (the error names it)', spec(), 'Qwen/Qwen2.5-7B', 'Qwen/Qwen2.5-7B'],
  ])('%s', (_name, s, model, expected) => {
    expect(costProfileFor(s, model)).toBe(expected);
  });
});

describe('needsCostModel', () => {
  it.each([
    [{ policy: 'saturation', maxReplicas: 2 }, false],
    [{ policy: 'slo', maxReplicas: 2, slo: { ttftMs: 1, itlMs: 1 } }, true],
    [{ policy: 'predictive', maxReplicas: 2, slo: { ttftMs: 1, itlMs: 1 } }, true],
    [{ policy: 'predictive', maxReplicas: 2, predictive: { basePolicy: 'saturation' } }, false],
  ])('%j -> %s', (raw, expected) => {
    expect(needsCostModel(autoscalingSpec.parse(raw))).toBe(expected);
  });
});
