import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { PREFIX_MATCH } from '../../shared/prefix-state';
import { PrefixAffinityFilter } from './prefix-affinity.filter';

describe('PrefixAffinityFilter', () => {
  const endpoints = [makeEndpoint('hit').build(), makeEndpoint('busy-hit').queue(10).build(), makeEndpoint('miss').build()];
  it.each([
    ['keeps good hits that have room', { hit: 8, 'busy-hit': 8 }, ['hit']],
    ['all candidates when the hits are overloaded', { 'busy-hit': 8 }, ['hit', 'busy-hit', 'miss']],
    ['all candidates when no hit is good enough', { hit: 2 }, ['hit', 'busy-hit', 'miss']],
  ])('%s', (_name, matched, ids) => {
    const state = new CycleState();
    state.write(PREFIX_MATCH, { totalChunks: 10, chunkSize: 64, matched: new Map(Object.entries(matched)) });
    expect(new PrefixAffinityFilter('f', { minMatchRatio: 0.5, maxQueueDepth: 8 }).filter(state, makeRequest(), endpoints).map((e) => e.id)).toEqual(ids);
  });

  it('passes everything through without prefix data', () => {
    expect(new PrefixAffinityFilter('f', { minMatchRatio: 0.5, maxQueueDepth: 8 }).filter(new CycleState(), makeRequest(), endpoints)).toHaveLength(3);
  });
});
