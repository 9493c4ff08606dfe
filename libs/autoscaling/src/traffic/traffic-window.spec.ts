import { percentile } from './percentile';
import { TrafficWindow } from './traffic-window';

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
