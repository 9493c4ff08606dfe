import { percentile } from './percentile';
import { MIN_OBSERVED_MS, TrafficWindow } from './traffic-window';

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 90, Number.NaN],
    [[5], 90, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 50, 5],
    [[1, 2, 3], 99, 3],
  ])('%j p%d -> %d', (values, p, want) => {
    expect(percentile(values, p)).toEqual(want);
  });
});

describe('TrafficWindow', () => {
  it('summarises the requests that ended in (now - window, now]', () => {
    const w = new TrafficWindow(10_000);
    for (let k = 0; k <= 20; k++) w.add({ endMs: k * 1000, ttftMs: k * 10, itlMs: k, promptTokens: 100, cachedTokens: 150, outputTokens: 10 });
    const s = w.summary(20_000, 90);
    expect(s.samples).toBe(10); // 11 s .. 20 s
    expect(s.requestRate).toBe(1);
    expect(s.meanCachedTokens).toBe(100); // cached never exceeds the prompt
    expect(s.ttftP).toBe(190);
    expect(s.itlP).toBe(19);
    expect(w.summary(40_000, 90)).toMatchObject({ samples: 0, requestRate: 0 });
  });
});

describe('TrafficWindow observed since inside the window', () => {
  const filled = (): TrafficWindow => {
    const w = new TrafficWindow(60_000);
    for (let k = 1; k <= 30; k++) w.add({ endMs: 100_000 + k * 500, ttftMs: 10, itlMs: 1, promptTokens: 100, cachedTokens: 0, outputTokens: 10 });
    return w;
  };

  it('takes the rate over the span observed, not the whole window', () => {
    // 30 requests in the 15 s since observation began: 2 req/s, not 0.5
    const s = filled().summary(115_000, 90, 100_000);
    expect(s.requestRate).toBeCloseTo(2);
    expect(s.observedSeconds).toBe(15);
  });

  it('counts the whole window once observation began before it', () => {
    const s = filled().summary(115_000, 90, 0);
    expect(s.requestRate).toBeCloseTo(0.5);
    expect(s.observedSeconds).toBe(60);
  });

  it('never takes a rate over less than MIN_OBSERVED_MS', () => {
    const w = new TrafficWindow(60_000);
    w.add({ endMs: 100_500, ttftMs: 10, itlMs: 1, promptTokens: 100, cachedTokens: 0, outputTokens: 10 });
    expect(w.summary(101_000, 90, 100_000).requestRate).toBeCloseTo(1000 / MIN_OBSERVED_MS);
  });
});

describe('TrafficWindow.trend', () => {
  /** Requests ending at rate(t) over (0, 60 s], evenly within each second. */
  const windowOf = (rate: (s: number) => number): TrafficWindow => {
    const w = new TrafficWindow(60_000);
    for (let sec = 0; sec < 60; sec++) {
      const n = Math.round(rate(sec));
      for (let k = 1; k <= n; k++) w.add({ endMs: sec * 1000 + (1000 * k) / (n + 1), ttftMs: 10, itlMs: 1, promptTokens: 100, cachedTokens: 0, outputTokens: 10 });
    }
    return w;
  };

  it('finds a ramp: its slope, well clear of the Poisson error, and the rate it has reached', () => {
    const t = windowOf((s) => 20 + s * 0.5)!.trend(60_000, 0)!;
    expect(t.slopePerS).toBeCloseTo(0.5, 1);
    expect(t.slopePerS).toBeGreaterThan(4 * t.standardError);
    expect(t.rateNow).toBeCloseTo(50, 0);
  });

  it('a flat rate has no slope', () => {
    const t = windowOf(() => 30).trend(60_000, 0)!;
    expect(Math.abs(t.slopePerS)).toBeLessThan(t.standardError);
    expect(t.rateNow).toBeCloseTo(30, 6);
  });

  it('needs three slices of at least MIN_OBSERVED_MS observed', () => {
    const w = windowOf(() => 30);
    expect(w.trend(60_000, 60_000 - 2 * MIN_OBSERVED_MS)).toBeUndefined();
    expect(w.trend(60_000, 60_000 - 3 * MIN_OBSERVED_MS)).toBeDefined();
  });
});
