import { CircuitBreaker } from './kv-cache.client';

describe('CircuitBreaker', () => {
  it.each([
    ['closed at first', [], 0, true],
    ['closed after fewer failures than the threshold', ['f', 'f'], 0, true],
    ['a success resets the count', ['f', 'f', 's', 'f', 'f'], 0, true],
    ['open right after the threshold', ['f', 'f', 'f'], 500, false],
    ['closed again after the open time', ['f', 'f', 'f'], 1000, true],
    ['backs off on further consecutive failures', ['f', 'f', 'f', 'f'], 1500, false],
    ['the back-off is capped', Array(20).fill('f'), 30000, true],
    ['a success closes it', ['f', 'f', 'f', 's'], 0, true],
  ])('%s', (_name, events, at, allowed) => {
    let now = 0;
    const c = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, maxOpenMs: 30000 }, () => now);
    for (const e of events) {
      if (e === 'f') c.failure();
      else c.success();
    }
    now = at;
    expect(c.allow()).toBe(allowed);
  });

  it('a threshold of 1 opens on the first failure', () => {
    const c = new CircuitBreaker({ failureThreshold: 1, openMs: 1000, maxOpenMs: 30000 }, () => 0);
    c.failure();
    expect(c.allow()).toBe(false);
  });
});
