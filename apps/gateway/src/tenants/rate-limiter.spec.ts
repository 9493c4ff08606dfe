import { rateRequestOf, TenantBuckets, TokenBucket } from './rate-limiter';

describe('TokenBucket', () => {
  it.each([
    ['within the limit', [[0, 1], [0, 1]], [0, 0]],
    ['over the limit: retry when one refills', [[0, 1], [0, 1], [0, 1]], [0, 0, 30]],
    ['refills over time', [[0, 1], [0, 1], [30000, 1]], [0, 0, 0]],
    ['a request larger than the bucket waits for a full one', [[0, 5]], [0]],
  ])('%s', (_name, calls, expected) => {
    let now = 0;
    const bucket = new TokenBucket(() => 2, () => now);
    const waits = calls.map(([t, n]) => {
      now = t;
      return bucket.take('a', n);
    });
    expect(waits).toEqual(expected);
  });

  it('never limits tenants without a limit', () => {
    const bucket = new TokenBucket(() => undefined);
    for (let i = 0; i < 100; i++) expect(bucket.take('free', 1000)).toBe(0);
  });
});

describe('TenantBuckets', () => {
  it('charges the request bucket first, then the tokens, and says which refused', () => {
    const buckets = new TenantBuckets(() => 0);
    const limits = { requestsPerMinute: 2, tokensPerMinute: 100 };
    expect(buckets.take('a', limits, 60)).toEqual({ waitSeconds: 0 });
    expect(buckets.take('a', limits, 60)).toEqual({ waitSeconds: 12, limit: 'tokens' });
    expect(buckets.take('a', limits, 10)).toEqual({ waitSeconds: 30, limit: 'requests' });
  });

  it('applies a tenant\'s limits as each request states them (a reloaded key file)', () => {
    const buckets = new TenantBuckets(() => 0);
    expect(buckets.take('a', { requestsPerMinute: 1 }, 1).waitSeconds).toBe(0);
    expect(buckets.take('a', { requestsPerMinute: 1 }, 1).waitSeconds).toBeGreaterThan(0);
    expect(buckets.take('a', { requestsPerMinute: 3 }, 1).waitSeconds).toBe(0);
  });
});

describe('rateRequestOf', () => {
  it('keeps a well-formed request and drops limits that are not positive numbers', () => {
    expect(rateRequestOf({ tenant: 't', limits: { requestsPerMinute: 5, tokensPerMinute: 'x' }, tokens: 10 })).toEqual({ tenant: 't', limits: { requestsPerMinute: 5, tokensPerMinute: undefined }, tokens: 10 });
  });

  it.each([[null], [{}], [{ tenant: 1, tokens: 1 }], [{ tenant: 't', tokens: -1 }], [{ tenant: 't', tokens: 'many' }]])('refuses %p', (payload) => {
    expect(() => rateRequestOf(payload)).toThrow('malformed rate-limit request');
  });
});
