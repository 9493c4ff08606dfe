import { CycleState } from '../../../framework';
import { makeEndpoint, makeRequest } from '../../../testing';
import { HealthyFilter } from './healthy.filter';

describe('HealthyFilter', () => {
  it.each([
    ['fresh and healthy', makeEndpoint('e').scrapedAt(9500).build(), true],
    ['stale', makeEndpoint('e').scrapedAt(7000).build(), false],
    ['unhealthy', makeEndpoint('e').scrapedAt(9900).unhealthy().build(), false],
  ])('%s', (_name, endpoint, kept) => {
    const out = new HealthyFilter('h', { maxStalenessMs: 1000 }, () => 10000).filter(new CycleState(), makeRequest(), [endpoint]);
    expect(out.length === 1).toBe(kept);
  });
});
