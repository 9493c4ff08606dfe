import { TokenBucket } from './rate-limiter';

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
