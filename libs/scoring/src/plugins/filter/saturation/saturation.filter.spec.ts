import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { SaturationFilter } from './saturation.filter';

const p = { queueDepthThreshold: 5, kvCacheUsageThreshold: 0.8, keepAllWhenSaturated: true };

describe('SaturationFilter', () => {
  it.each([
    ['drops the saturated ones', [makeEndpoint('a').queue(9).build(), makeEndpoint('b').build(), makeEndpoint('c').kvUsage(0.9).build()], p, ['b']],
    ['keeps all when all are saturated', [makeEndpoint('a').queue(9).build(), makeEndpoint('b').kvUsage(0.95).build()], p, ['a', 'b']],
    ['or none, if asked', [makeEndpoint('a').queue(9).build()], { ...p, keepAllWhenSaturated: false }, []],
  ])('%s', (_name, endpoints, params, ids) => {
    expect(new SaturationFilter('s', params).filter(new CycleState(), makeRequest(), endpoints).map((e) => e.id)).toEqual(ids);
  });
});
