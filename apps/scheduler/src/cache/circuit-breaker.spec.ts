import { CircuitBreaker } from './kv-cache.client';

describe('CircuitBreaker', () => {
  it.each([
    ['closed at first', [], 0, true],
    ['open right after a failure', ['f'], 500, false],
    ['closed again after the open time', ['f'], 1000, true],
    ['backs off on consecutive failures', ['f', 'f'], 1500, false],
    ['a success closes it', ['f', 's'], 0, true],
  ])('%s', (_name, events, at, allowed) => {
    let now = 0;
    const c = new CircuitBreaker({ openMs: 1000, maxOpenMs: 30000 }, () => now);
    for (const e of events) {
      if (e === 'f') c.failure();
      else c.success();
    }
    now = at;
    expect(c.allow()).toBe(allowed);
  });
});
