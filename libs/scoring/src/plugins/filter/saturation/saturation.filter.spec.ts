import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { SATURATED, SaturationFilter } from './saturation.filter';

const p = { queueDepthThreshold: 5, kvCacheUsageThreshold: 0.8, keepAllWhenSaturated: true };

describe('SaturationFilter', () => {
  it.each([
    ['drops the saturated ones', [makeEndpoint('a').queue(9).build(), makeEndpoint('b').build(), makeEndpoint('c').kvUsage(0.9).build()], p, ['b'], undefined],
    ['keeps all when all are saturated', [makeEndpoint('a').queue(9).build(), makeEndpoint('b').kvUsage(0.95).build()], p, ['a', 'b'], true],
    ['or none, if asked', [makeEndpoint('a').queue(9).build()], { ...p, keepAllWhenSaturated: false }, [], true],
  ])('%s', (_name, endpoints, params, ids, saturated) => {
    const state = new CycleState();
    expect(new SaturationFilter('s', params).filter(state, makeRequest(), endpoints).map((e) => e.id)).toEqual(ids);
    expect(state.read(SATURATED)).toBe(saturated);
  });
});
