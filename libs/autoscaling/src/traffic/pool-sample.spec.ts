import { poolSample } from './pool-sample';

const pd = { endMs: 1000, ttftMs: 200, itlMs: 20, promptTokens: 2000, cachedTokens: 2000, outputTokens: 100, viaPrefill: true };

describe('poolSample (what a finished request counts for each pool that served it)', () => {
  it.each([
    ['prefill', pd, { cachedTokens: 0 }], // the decode side's count is the pulled KV, not a cache hit
    ['prefill', { ...pd, prefillCachedTokens: 512 }, { cachedTokens: 512 }],
    ['prefill', { ...pd, prefillCachedTokens: 5000 }, { cachedTokens: 2000 }],
    ['decode', pd, { cachedTokens: 2000, remotePrefill: true }],
    ['decode', { ...pd, viaPrefill: false, cachedTokens: 300 }, { cachedTokens: 300 }],
    ['unified', { ...pd, viaPrefill: false, cachedTokens: 300 }, { cachedTokens: 300 }],
  ] as const)('%s pool of %j', (role, r, want) => {
    const s = poolSample(role, r);
    expect(s).toMatchObject({ endMs: 1000, ttftMs: 200, itlMs: 20, promptTokens: 2000, outputTokens: 100, ...want });
    if (!('remotePrefill' in want)) expect(s.remotePrefill).toBeUndefined();
  });
});
