import { FakeClock } from '../testing/fake-clock';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from './rate-limiter';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles per failure of one item from the base up to the cap', () => {
    const l = new ItemExponentialFailureRateLimiter(5, 1000 * 1000);
    const delays = Array.from({ length: 20 }, () => l.when('a'));
    expect(delays.slice(0, 6)).toEqual([5, 10, 20, 40, 80, 160]);
    expect(delays[17]).toBe(5 * 2 ** 17);
    expect(delays[18]).toBe(1000 * 1000);
    expect(delays[19]).toBe(1000 * 1000);
    expect(l.numRequeues('a')).toBe(20);
  });

  it('keeps items apart, and forget starts an item over', () => {
    const l = new ItemExponentialFailureRateLimiter(5, 1000);
    l.when('a');
    l.when('a');
    expect(l.when('b')).toBe(5);
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
    expect(l.when('a')).toBe(5);
    expect(l.numRequeues('b')).toBe(1);
  });

  it('stays at the cap however many failures (no overflow)', () => {
    const l = new ItemExponentialFailureRateLimiter(5, 1000 * 1000);
    for (let i = 0; i < 2000; i++) l.when('a');
    expect(l.when('a')).toBe(1000 * 1000);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst through, then spaces calls at 1/qps, and refills with time', async () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter(10, 100, clock);
    const burst = Array.from({ length: 100 }, (_, i) => l.when(`k${i}`));
    expect(burst.every((d) => d === 0)).toBe(true);
    expect([l.when('x'), l.when('y'), l.when('z')]).toEqual([100, 200, 300]);
    await clock.advance(1000); // 10 tokens back; 3 were already promised
    expect(l.when('w')).toBe(0);
    expect(l.numRequeues('x')).toBe(0);
  });
});

describe('defaultControllerRateLimiter (client-go DefaultControllerRateLimiter)', () => {
  it('is the per-item backoff while the bucket has tokens', () => {
    const l = defaultControllerRateLimiter(new FakeClock());
    expect([l.when('a'), l.when('a'), l.when('a')]).toEqual([5, 10, 20]);
    expect(l.numRequeues('a')).toBe(3);
  });

  it('is the bucket delay once more than 100 failures come at once, whichever is longer', () => {
    const l = defaultControllerRateLimiter(new FakeClock());
    for (let i = 0; i < 100; i++) expect(l.when(`item-${i}`)).toBe(5);
    expect(l.when('item-100')).toBe(100);
    expect(l.when('item-101')).toBe(200);
  });

  it('forget resets the per-item part', () => {
    const l = defaultControllerRateLimiter(new FakeClock());
    l.when('a');
    l.when('a');
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
    expect(l.when('a')).toBe(5);
  });
});

describe('MaxOfRateLimiter', () => {
  it('takes the longest delay and the highest requeue count', () => {
    const l = new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(1, 100), new ItemExponentialFailureRateLimiter(10, 20));
    expect([l.when('a'), l.when('a'), l.when('a')]).toEqual([10, 20, 20]);
    expect(l.numRequeues('a')).toBe(3);
  });
});
