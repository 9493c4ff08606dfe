import type { EndpointLoadRecord } from '@llmd/telemetry';
import { PoolLoadView } from './pool-load';

const rec = (endpointId: string, ts: number, waiting: number, kv = 0, model = 'm'): EndpointLoadRecord => ({
  endpointId, model, pool: 'p', role: 'both', timestampUnixMs: ts, healthy: true, waiting, running: 1, inFlight: 0, kvCacheUsage: kv,
  prefixCacheHitRate: 0, promptTokensPerSecond: 0, generationTokensPerSecond: 0,
});

describe('PoolLoadView', () => {
  it.each([
    ['sums endpoints of a pool', [rec('a', 100, 2, 0.2), rec('b', 100, 3, 0.4)], 150, [{ endpoints: 2, waiting: 5, running: 2, meanKvCacheUsage: 0.30000000000000004 }]],
    ['newest snapshot wins, late ones are ignored', [rec('a', 200, 7), rec('a', 100, 1)], 250, [{ endpoints: 1, waiting: 7 }]],
    ['silent endpoints expire', [rec('a', 100, 7), rec('b', 5000, 1)], 5100, [{ endpoints: 1, waiting: 1 }]],
    ['models are separate pools', [rec('a', 100, 1, 0, 'x'), rec('b', 100, 2, 0, 'y')], 100, [{ model: 'x', waiting: 1 }, { model: 'y', waiting: 2 }]],
  ])('%s', (_name, records, now, expected) => {
    const view = new PoolLoadView(1000);
    for (const r of records) view.observe(r);
    expect(view.pools(now)).toMatchObject(expected);
  });
});
